/*
 * flaky: a WAGI function in C (wasi-libc) that fails a share of its requests on purpose, for tests
 * and demos of automatic rollback.
 *
 * The environment variable FAIL_PERCENT (0 to 100, default 0; set it with `skiff deploy --env`)
 * is the chance that a request is answered with 500; the rest get 200 and "ok". Each request draws
 * from WASI's random source (arc4random, backed by random_get), since a fresh instance serves every
 * request and there is no state to count with. A malformed FAIL_PERCENT fails every request with
 * 500 and says why, so a typo cannot pass for a healthy revision.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *setting = getenv("FAIL_PERCENT");
    long percent = 0;
    if (setting != NULL && *setting != '\0') {
        char *end;
        percent = strtol(setting, &end, 10);
        if (*end != '\0' || percent < 0 || percent > 100) {
            printf("Status: 500\nContent-Type: text/plain\n\n"
                   "FAIL_PERCENT must be a whole number from 0 to 100, got '%s'\n", setting);
            return 0;
        }
    }
    if ((long) arc4random_uniform(100) < percent) {
        printf("Status: 500\nContent-Type: text/plain\n\nflaky: failed on purpose (FAIL_PERCENT=%ld)\n",
               percent);
        return 0;
    }
    printf("Content-Type: text/plain\n\nok\n");
    return 0;
}
