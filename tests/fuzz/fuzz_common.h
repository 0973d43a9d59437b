/* fuzz_common.h — libFuzzer harness helpers: the input goes to a file in /dev/shm (the readers
 * under test take paths), and one OpenCL context lives for the whole run. */
#ifndef CLVIS_FUZZ_COMMON_H
#define CLVIS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clvis.h"

static inline const char *fuzz_write(const unsigned char *data, size_t n, const char *suffix)
{
    static char path[256];
    snprintf(path, sizeof path, "/dev/shm/clvis-fuzz-%ld%s", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    fclose(f);
    return path;
}

static inline clvis_ctx *fuzz_ctx(void)
{
    static clvis_ctx *ctx;
    if (!ctx && clvis_ctx_create(NULL, &ctx) != CLVIS_OK) {
        fprintf(stderr, "fuzz: no OpenCL device: %s\n", clvis_last_error());
        abort();
    }
    return ctx;
}

#endif
