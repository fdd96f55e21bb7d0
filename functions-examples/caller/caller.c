/*
 * caller: a WAGI function in C that calls another function by name, through the mesh, with the
 * wasi_experimental_http host functions (deislabs' ABI, as WAGI provides them).
 *
 * It sends GET <CALLEE_URL>[?<its own query>] (CALLEE_URL from the service's environment, default
 * http://hello.default/, the hello example) and answers with the callee's status and body, its
 * content type, and X-Callee-Status. A call the host refuses (a host neither in the mesh nor in
 * allowedHosts: error 7) or that fails answers 502 naming the ABI's error code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_IMPORT(name) __attribute__((import_module("wasi_experimental_http"), import_name(name)))

HTTP_IMPORT("req")
uint32_t http_req(const char *url, size_t url_len, const char *method, size_t method_len,
                  const char *headers, size_t headers_len, const uint8_t *body, size_t body_len,
                  uint16_t *status, uint32_t *handle);
HTTP_IMPORT("close")
uint32_t http_close(uint32_t handle);
HTTP_IMPORT("header_get")
uint32_t http_header_get(uint32_t handle, const char *name, size_t name_len, char *value,
                         size_t value_len, size_t *written);
HTTP_IMPORT("body_read")
uint32_t http_body_read(uint32_t handle, uint8_t *buf, size_t buf_len, size_t *written);

#define MAX_URL 2048
#define MAX_BODY (1024 * 1024)

static void fail(const char *what, uint32_t code) {
    printf("Status: 502\nContent-Type: text/plain\n\n%s: wasi_experimental_http error %u\n", what,
           (unsigned) code);
}

int main(void) {
    const char *callee = getenv("CALLEE_URL");
    const char *query = getenv("QUERY_STRING");
    char url[MAX_URL];
    snprintf(url, sizeof url, "%s%s%s", callee && *callee ? callee : "http://hello.default/",
             query && *query ? "?" : "", query && *query ? query : "");

    const char *headers = "Accept: text/plain\n";
    uint16_t status = 0;
    uint32_t handle = 0;
    uint32_t err = http_req(url, strlen(url), "GET", 3, headers, strlen(headers), NULL, 0, &status,
                            &handle);
    if (err != 0) {
        fail(url, err);
        return 0;
    }

    static uint8_t body[MAX_BODY];
    size_t total = 0;
    for (;;) {
        size_t n = 0;
        err = http_body_read(handle, body + total, sizeof body - total, &n);
        if (err != 0) {
            http_close(handle);
            fail("reading the body", err);
            return 0;
        }
        if (n == 0 || total + n == sizeof body) {
            total += n;
            break;
        }
        total += n;
    }

    char type[256];
    size_t type_len = 0;
    if (http_header_get(handle, "content-type", 12, type, sizeof type - 1, &type_len) != 0) {
        strcpy(type, "application/octet-stream");
        type_len = strlen(type);
    }
    type[type_len] = '\0';
    http_close(handle);

    printf("Status: %u\nContent-Type: %s\nX-Callee-Status: %u\n\n", (unsigned) status, type,
           (unsigned) status);
    fwrite(body, 1, total, stdout);
    return 0;
}
