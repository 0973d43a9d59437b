/* fuzz_cache.c — the kernel cache's entry verifier (cache_entry_check) and file reader on
 * arbitrary bytes, plus properties on a valid entry built around the input: it verifies and
 * gives the input back, and every truncation or bit flip the input picks is refused. Host
 * side only: no device. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cache.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    static unsigned char key[SHA256_BYTES];
    static int have_key;
    if (!have_key) {
        const char *fields[] = {"fuzz", "source", "options", "device"};
        cache_key_hash(fields, 4, key);
        have_key = 1;
    }
    size_t off, len;
    /* 1. the input as an entry read from disk */
    if (cache_entry_check(data, n, key, &off, &len) == CLVIS_OK &&
        (off != CACHE_HEADER_BYTES || off + len != n))
        abort();
    /* the same bytes through the file reader */
    const char *path = fuzz_write(data, n, ".cache");
    unsigned char *buf;
    size_t got;
    if (cache_file_read(path, CACHE_MAX_BYTES, &buf, &got) != CLVIS_OK || got != n ||
        (n && memcmp(buf, data, n) != 0))
        abort();
    free(buf);
    unlink(path);
    if (n == 0)
        return 0;
    /* 2. a valid entry around the input: verifies and returns the input exactly */
    unsigned char *e;
    size_t elen;
    if (cache_entry_make(key, data, n, &e, &elen) != CLVIS_OK)
        abort();
    if (cache_entry_check(e, elen, key, &off, &len) != CLVIS_OK || len != n ||
        memcmp(e + off, data, n) != 0)
        abort();
    /* 3. a truncation and a bit flip chosen by the input: both refused */
    uint32_t pick = 0;
    for (size_t i = 0; i < 4 && i < n; i++)
        pick = pick << 8 | data[i];
    size_t cut = pick % elen, bit = (size_t)pick % (elen * 8);
    if (cache_entry_check(e, cut, key, &off, &len) != CLVIS_ERR_FORMAT)
        abort();
    e[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    if (cache_entry_check(e, elen, key, &off, &len) != CLVIS_ERR_FORMAT)
        abort();
    free(e);
    return 0;
}
