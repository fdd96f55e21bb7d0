/*
 * hello: a WAGI function in C (wasi-libc).
 *
 * Answers "<greeting>, <name>!" where <name> is the query parameter `name` (default "world") and
 * <greeting> the service's environment variable GREETING (default "Hello"), so a deploy with
 * `--env GREETING=Ahoy` makes a revision that answers differently.
 * WAGI passes the request as CGI variables: the raw query is in QUERY_STRING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAME 256

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a form-encoded value of `len` bytes into `out` (at most `cap` - 1 bytes, NUL-terminated). */
static void form_decode(const char *in, size_t len, char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        int hi, lo;
        if (in[i] == '+') {
            out[n++] = ' ';
        } else if (in[i] == '%' && i + 2 < len &&
                   (hi = hex_value(in[i + 1])) >= 0 && (lo = hex_value(in[i + 2])) >= 0) {
            out[n++] = (char) (hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = in[i];
        }
    }
    out[n] = '\0';
}

/* Finds `key` among the &-separated terms of `query` and decodes its value into `out`. */
static int query_param(const char *query, const char *key, char *out, size_t cap) {
    size_t key_len = strlen(key);
    const char *term = query;
    while (term && *term) {
        const char *end = strchr(term, '&');
        size_t term_len = end ? (size_t) (end - term) : strlen(term);
        if (term_len > key_len && strncmp(term, key, key_len) == 0 && term[key_len] == '=') {
            form_decode(term + key_len + 1, term_len - key_len - 1, out, cap);
            return 1;
        }
        term = end ? end + 1 : NULL;
    }
    return 0;
}

int main(void) {
    const char *query = getenv("QUERY_STRING");
    char name[MAX_NAME];
    if (!query || !query_param(query, "name", name, sizeof name) || name[0] == '\0') {
        strcpy(name, "world");
    }
    const char *greeting = getenv("GREETING");
    if (!greeting || greeting[0] == '\0') {
        greeting = "Hello";
    }
    printf("Content-Type: text/plain; charset=utf-8\n\n");
    printf("%s, %s!\n", greeting, name);
    return 0;
}
