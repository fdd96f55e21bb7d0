/*
 * echo: a WAGI function in C (wasi-libc) that reflects the request.
 *
 * Response headers describe the request: X-Echo-Method, X-Echo-Path, X-Echo-Query,
 * X-Echo-Content-Length (bytes actually read from stdin) and one X-Echo-Http-<Name> per
 * HTTP_<NAME> variable. The body is the request body, byte for byte, with the request's
 * Content-Type (application/octet-stream when it had none).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value ? value : fallback;
}

/* Reads all of stdin; returns the buffer and stores its length, or exits with 500 when out of memory. */
static unsigned char *read_all(size_t *length) {
    size_t cap = 64 * 1024, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0) break;
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (!bigger) { free(buf); buf = NULL; break; }
            buf = bigger;
            cap *= 2;
        }
    }
    if (!buf) {
        fprintf(stderr, "echo: out of memory reading the body\n");
        printf("Status: 500\nContent-Type: text/plain\n\nout of memory\n");
        exit(0);
    }
    *length = len;
    return buf;
}

/* Prints HTTP_USER_AGENT=curl as "X-Echo-Http-User-Agent: curl". */
static void print_header_variable(const char *entry) {
    const char *eq = strchr(entry, '=');
    if (!eq) return;
    printf("X-Echo-Http");
    int start_of_word = 1;
    for (const char *p = entry + 4; p < eq; p++) {  /* skip "HTTP" and keep "_..." */
        if (*p == '_') {
            putchar('-');
            start_of_word = 1;
        } else {
            putchar(start_of_word ? toupper((unsigned char) *p) : tolower((unsigned char) *p));
            start_of_word = 0;
        }
    }
    printf(": %s\n", eq + 1);
}

int main(void) {
    size_t length;
    unsigned char *body = read_all(&length);

    printf("Content-Type: %s\n", *env_or("CONTENT_TYPE", "") ? getenv("CONTENT_TYPE") : "application/octet-stream");
    printf("X-Echo-Method: %s\n", env_or("REQUEST_METHOD", ""));
    printf("X-Echo-Path: %s\n", env_or("PATH_INFO", ""));
    printf("X-Echo-Query: %s\n", env_or("QUERY_STRING", ""));
    printf("X-Echo-Content-Length: %zu\n", length);
    for (char **entry = environ; *entry; entry++) {
        if (strncmp(*entry, "HTTP_", 5) == 0) print_header_variable(*entry);
    }
    printf("\n");
    fwrite(body, 1, length, stdout);
    fflush(stdout);
    free(body);
    return 0;
}
