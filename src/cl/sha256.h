/* sha256.h — SHA-256 (FIPS 180-4), incremental, for the kernel cache's integrity checks. */
#ifndef CLVIS_SHA256_H
#define CLVIS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

typedef struct {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[SHA256_BYTES]);
/* One call: out = SHA-256(data[0..n)). */
void sha256(const void *data, size_t n, unsigned char out[SHA256_BYTES]);

#endif
