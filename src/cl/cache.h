/* cache.h — the kernel binary cache's files as untrusted input: the entry format (a header with
 * magic, version, length, the key and a SHA-256 of the binary), its verifier, reading regular
 * files only, and crash-safe writes that never follow links. Host side only, no OpenCL. */
#ifndef CLVIS_CACHE_H
#define CLVIS_CACHE_H

#include <stddef.h>

#include "../core/error.h"
#include "sha256.h"

/* Entry layout, integers little-endian:
 *   0  magic "clvisKC\n"     8 bytes
 *   8  format version        u32 (CACHE_VERSION)
 *  12  header size           u32 (CACHE_HEADER_BYTES)
 *  16  payload length        u64 (the file's size minus the header, exactly)
 *  24  key                   32 bytes: SHA-256 of source, options, platform, device, driver
 *  56  payload SHA-256       32 bytes
 *  88  payload: the device binary from CL_PROGRAM_BINARIES */
#define CACHE_MAGIC "clvisKC\n"
#define CACHE_VERSION 1u
#define CACHE_HEADER_BYTES 88u
/* Larger files are refused unread (PoCL's binary of the clvis kernels is about 1.2 MB). */
#define CACHE_MAX_BYTES ((size_t)256 << 20)

/* key = SHA-256 over the n strings, each preceded by its length (so no two lists collide). */
void cache_key_hash(const char *const *fields, int n, unsigned char key[SHA256_BYTES]);

/* A complete entry (header + payload) for key in one malloc'd buffer. */
clvis_status cache_entry_make(const unsigned char key[SHA256_BYTES], const void *payload,
                              size_t n, unsigned char **out, size_t *out_len);

/* Verifies an entry as read from disk against key: CLVIS_OK with the payload at
 * buf + *payload_off, *payload_len bytes; else CLVIS_ERR_FORMAT saying what is wrong. Reads
 * nothing outside buf[0, len); pure, needs no device (fuzzed by tests/fuzz/fuzz_cache.c). */
clvis_status cache_entry_check(const unsigned char *buf, size_t len,
                               const unsigned char key[SHA256_BYTES], size_t *payload_off,
                               size_t *payload_len);

/* Reads path when it is a regular file of at most max bytes. Opened with O_NOFOLLOW and
 * O_NONBLOCK, so a link, FIFO or device at path is refused without blocking or reading it.
 * CLVIS_ERR_NOT_FOUND: absent; CLVIS_ERR_FORMAT: not a regular file, or too large;
 * CLVIS_ERR_IO: anything else. The buffer (malloc'd) is the caller's. */
clvis_status cache_file_read(const char *path, size_t max, unsigned char **out, size_t *len);

/* Writes data to path: a new temporary with a random name in path's directory (O_CREAT |
 * O_EXCL | O_NOFOLLOW, so nothing planted there is followed or reused), write, fsync, rename
 * over path (which replaces a link or FIFO there rather than following it), fsync of the
 * directory. On failure the temporary is removed and CLVIS_ERR_IO names the step. */
clvis_status cache_file_write(const char *path, const void *data, size_t n);

#endif
