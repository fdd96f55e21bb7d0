/*
 * cpu: a CPU-bound WAGI function in C (wasi-libc), the workload of bench/'s Wasm execution scenario.
 *
 * Fills a buffer of <mb> MiB (query parameter `mb`, default 4, at most 64) from a xorshift64
 * generator with a fixed seed, hashes it with SHA-256 and answers the hex digest, so every runtime
 * that runs it (Chicory interpreted or compiled, V8 through node:wasi) does the same work and must
 * print the same line. No I/O besides the answer: the time is the generator and the hash.
 * WAGI passes the query's terms as arguments, so `?mb=8` arrives as argv[1] = "mb=8".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MB 4
#define MAX_MB 64

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* One 64-byte block into the state `h`. */
static void sha256_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 |
               (uint32_t) p[4 * i + 2] << 8 | (uint32_t) p[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/* SHA-256 of `len` bytes (FIPS 180-4) into `out`. */
static void sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t full = len / 64 * 64;
    for (size_t i = 0; i < full; i += 64) {
        sha256_block(h, data + i);
    }
    uint8_t tail[128] = {0};
    size_t rest = len - full;
    memcpy(tail, data + full, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t) len * 8;
    for (int i = 0; i < 8; i++) {
        tail[tail_len - 1 - i] = (uint8_t) (bits >> (8 * i));
    }
    for (size_t i = 0; i < tail_len; i += 64) {
        sha256_block(h, tail + i);
    }
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t) (h[i] >> 24);
        out[4 * i + 1] = (uint8_t) (h[i] >> 16);
        out[4 * i + 2] = (uint8_t) (h[i] >> 8);
        out[4 * i + 3] = (uint8_t) h[i];
    }
}

/* The `mb=N` argument, or the default when absent or out of range. */
static long megabytes(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "mb=", 3) == 0) {
            long mb = strtol(argv[i] + 3, NULL, 10);
            return mb >= 1 && mb <= MAX_MB ? mb : DEFAULT_MB;
        }
    }
    return DEFAULT_MB;
}

int main(int argc, char **argv) {
    long mb = megabytes(argc, argv);
    size_t len = (size_t) mb << 20;
    uint8_t *data = malloc(len);
    if (!data) {
        printf("Status: 500\nContent-Type: text/plain\n\nout of memory for %ld MiB\n", mb);
        return 0;
    }
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(data + i, &x, 8);
    }
    uint8_t digest[32];
    sha256(data, len, digest);
    free(data);
    printf("Content-Type: text/plain\n\nsha256 ");
    for (int i = 0; i < 32; i++) {
        printf("%02x", digest[i]);
    }
    printf(" %ld MiB\n", mb);
    return 0;
}
