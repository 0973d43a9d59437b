/* test_cache.c — the kernel binary cache as untrusted input: SHA-256 against FIPS 180-2's
 * examples, the entry verifier (every truncation class, bit flips, wrong key), the file reader
 * (links, FIFOs, devices, size limit) and writer (planted links), then each bad entry on a
 * real device: truncated, flipped, foreign, poisoned (hash mismatch, and a correctly hashed
 * program built from altered kernels, which only the known-answer check can catch), a FIFO,
 * links, a directory, a huge file, a read-only cache. Each must still give correct results,
 * with a notice, and leave a rewritten entry that the next start loads. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cl/cache.h"
#include "cl/runtime.h"
#include "ops/ops.h"
#include "testutil.h"

extern const char clvis_kernel_source[];

static int notes;
static char last_note[1024];
static void log_note(void *user, const char *line)
{
    (void)user;
    notes++;
    snprintf(last_note, sizeof last_note, "%s", line);
    fprintf(stderr, "  log: %s\n", line);
}

static void hex(const unsigned char *h, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- host side: no device ------------------------------------------------------------- */

static void test_sha256(void)
{
    static const struct {
        const char *msg, *digest;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
         "nopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        unsigned char h[32];
        char got[65];
        sha256(v[i].msg, strlen(v[i].msg), h);
        hex(h, got);
        test_checkf(!strcmp(got, v[i].digest), "SHA-256 FIPS 180-2 vector %zu (%zu bytes): %s",
                    i + 1, strlen(v[i].msg), got);
    }
    /* one million 'a', fed in uneven pieces so every block boundary case is crossed */
    static char a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        n = n < sizeof a ? n : sizeof a;
        sha256_update(&c, a, n);
        done += n;
        step = step * 7 % 997 + 1;
    }
    unsigned char h[32];
    char got[65];
    sha256_final(&c, h);
    hex(h, got);
    test_checkf(!strcmp(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
                "SHA-256 of one million 'a' (incremental, uneven pieces): %s", got);
}

static int check_fails(const unsigned char *buf, size_t len, const unsigned char *key)
{
    size_t off, n;
    return cache_entry_check(buf, len, key, &off, &n) == CLVIS_ERR_FORMAT && off == 0 && n == 0;
}

static void test_entry_format(void)
{
    unsigned char key[32], other[32], payload[300];
    const char *f1[] = {"source", "options"}, *f2[] = {"sourceo", "ptions"};
    cache_key_hash(f1, 2, key);
    cache_key_hash(f2, 2, other);
    test_check("key fields are length-prefixed: ('source','options') != ('sourceo','ptions')",
               memcmp(key, other, 32) != 0, NULL);
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (unsigned char)(i * 37 + 11);
    unsigned char *e;
    size_t len, off, n;
    clvis_status st = cache_entry_make(key, payload, sizeof payload, &e, &len);
    test_check("entry made", st == CLVIS_OK && len == CACHE_HEADER_BYTES + sizeof payload,
               st ? clvis_last_error() : "");
    if (st)
        return;
    st = cache_entry_check(e, len, key, &off, &n);
    test_check("a good entry verifies and gives back its payload",
               st == CLVIS_OK && n == sizeof payload && !memcmp(e + off, payload, n),
               st ? clvis_last_error() : "");
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) /* every truncation: header, middle, end - 1 byte */
        bad += !check_fails(e, cut, key);
    test_checkf(bad == 0, "every truncation (0 .. %zu bytes) is refused: %d accepted", len - 1,
                bad);
    test_check("truncated header refused with a reason",
               check_fails(e, 40, key) && strstr(clvis_last_error(), "truncated header"),
               clvis_last_error());
    test_check("truncated payload (end - 1 byte) refused with a reason",
               check_fails(e, len - 1, key) && strstr(clvis_last_error(), "truncated"),
               clvis_last_error());
    bad = 0;
    for (size_t bit = 0; bit < len * 8; bit++) { /* every single-bit flip */
        e[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        bad += !check_fails(e, len, key);
        e[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    test_checkf(bad == 0, "every one of the %zu single-bit flips is refused: %d accepted",
                len * 8, bad);
    test_check("an entry for another key is refused",
               check_fails(e, len, other) && strstr(clvis_last_error(), "another key"),
               clvis_last_error());
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, e, len);
    longer[len] = 0;
    test_check("a trailing byte is refused", check_fails(longer, len + 1, key),
               clvis_last_error());
    free(longer);
    test_check("a raw binary (no header) is refused",
               check_fails(payload, sizeof payload, key) && strstr(clvis_last_error(), "magic"),
               clvis_last_error());
    test_check("NULL buffer refused", check_fails(NULL, 0, key), clvis_last_error());
    free(e);
}

static void put_file(const char *path, const void *data, size_t n)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        fprintf(stderr, "cannot write %s\n", path);
}

static int same_content(const char *path, const char *text)
{
    unsigned char *b;
    size_t n;
    clvis_status st = cache_file_read(path, 1 << 20, &b, &n);
    int ok = st == CLVIS_OK && n == strlen(text) && !memcmp(b, text, n);
    free(b);
    return ok;
}

static int has_temporaries(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp' > /dev/null", dir);
    return system(cmd) == 0;
}

static void test_files(const char *dir)
{
    char p[600], q[700], victim[600];
    unsigned char *b;
    size_t n;
    snprintf(p, sizeof p, "%s/entry", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    put_file(victim, "precious", 8);

    test_check("missing file: NOT_FOUND", cache_file_read(p, 100, &b, &n) == CLVIS_ERR_NOT_FOUND,
               clvis_last_error());
    put_file(p, "0123456789", 10);
    clvis_status st = cache_file_read(p, 100, &b, &n);
    test_check("regular file read whole", st == CLVIS_OK && n == 10 && !memcmp(b, "0123456789", 10),
               st ? clvis_last_error() : "");
    free(b);
    test_check("a file over the size limit is refused unread",
               cache_file_read(p, 9, &b, &n) == CLVIS_ERR_FORMAT && !b, clvis_last_error());
    unlink(p);
    if (symlink(victim, p) == 0) {
        test_check("a symbolic link is not followed",
                   cache_file_read(p, 100, &b, &n) == CLVIS_ERR_FORMAT && !b, clvis_last_error());
        unlink(p);
    }
    if (mkfifo(p, 0600) == 0) {
        alarm(20); /* a FIFO must never block the reader */
        test_check("a FIFO is refused without blocking",
                   cache_file_read(p, 100, &b, &n) == CLVIS_ERR_FORMAT && !b, clvis_last_error());
        alarm(0);
        unlink(p);
    }
    test_check("a character device (/dev/zero) is refused",
               cache_file_read("/dev/zero", 100, &b, &n) == CLVIS_ERR_FORMAT && !b,
               clvis_last_error());
    test_check("a directory is refused", cache_file_read(dir, 100, &b, &n) == CLVIS_ERR_FORMAT,
               clvis_last_error());

    /* writes: a link at the old predictable temporary name, and one at the target itself */
    snprintf(q, sizeof q, "%s.tmp.%ld", p, (long)getpid());
    int l1 = symlink(victim, q), l2 = symlink(victim, p);
    st = cache_file_write(p, "fresh", 5);
    struct stat sb;
    test_check("write with links planted at the old temp name and at the target: victim intact, "
               "target now a regular file",
               l1 == 0 && l2 == 0 && st == CLVIS_OK && same_content(victim, "precious") &&
                   lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && same_content(p, "fresh"),
               st ? clvis_last_error() : "");
    unlink(q);
    test_check("no temporary file left behind", !has_temporaries(dir), NULL);
    unlink(p);
    if (mkfifo(p, 0600) == 0) {
        alarm(20);
        st = cache_file_write(p, "again", 5);
        alarm(0);
        test_check("write over a FIFO replaces it, never opens it",
                   st == CLVIS_OK && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
                       same_content(p, "again"),
                   st ? clvis_last_error() : "");
    }
    snprintf(q, sizeof q, "%s/no-such-dir/entry", dir);
    test_check("write into a missing directory: IO error naming the step",
               cache_file_write(q, "x", 1) == CLVIS_ERR_IO, clvis_last_error());
    unlink(p);
    unlink(victim);
}

/* ---- on a device ---------------------------------------------------------------------- */

static char dir[400], key_path[600];
static unsigned char key[32];
static unsigned char *good;
static size_t good_len;

static clvis_status open_ctx(const char *cache_dir, clvis_ctx **ctx, clvis_build_info *bi)
{
    clvis_ctx_options o = {0};
    o.cache_dir = cache_dir;
    o.log = log_note;
    notes = 0;
    last_note[0] = 0;
    clvis_status st = clvis_ctx_create(&o, ctx);
    if (!st)
        clvis_ctx_build_info(*ctx, bi);
    return st;
}

/* softmax over 10 channels and an add, against double precision: the kernels do real work */
static int results_ok(clvis_ctx *ctx, char *why, size_t cap)
{
    enum { B = 2, C = 10, HW = 3, N = B * C * HW };
    float x[N], y[N], s[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)sin(i * 0.7) * 3.0f;
    cl_mem m = NULL, m2 = NULL;
    clvis_status st = buffer_create(ctx, sizeof x, &m);
    if (!st)
        st = buffer_create(ctx, sizeof x, &m2);
    tensor t = {m, 0, B, C, 1, HW}, t2 = {m2, 0, B, C, 1, HW};
    if (!st)
        st = buffer_write(ctx, m, 0, sizeof x, x);
    if (!st)
        st = act_forward(ctx, t, ACT_SOFTMAX, 0.0f);
    if (!st)
        st = add_forward(ctx, t2, t, t);
    if (!st)
        st = buffer_read(ctx, m, 0, sizeof y, y);
    if (!st)
        st = buffer_read(ctx, m2, 0, sizeof s, s);
    if (m)
        clReleaseMemObject(m);
    if (m2)
        clReleaseMemObject(m2);
    if (st) {
        snprintf(why, cap, "%s", clvis_last_error());
        return 0;
    }
    double worst = 0;
    for (int b = 0; b < B; b++)
        for (int p = 0; p < HW; p++) {
            double mx = -1e30, sum = 0;
            for (int c = 0; c < C; c++)
                mx = fmax(mx, x[(b * C + c) * HW + p]);
            for (int c = 0; c < C; c++)
                sum += exp(x[(b * C + c) * HW + p] - mx);
            for (int c = 0; c < C; c++) {
                int i = (b * C + c) * HW + p;
                double want = exp(x[i] - mx) / sum;
                worst = fmax(worst, fabs(y[i] - want));
                worst = fmax(worst, fabs(s[i] - 2 * want));
            }
        }
    snprintf(why, cap, "softmax + add max abs error %.3g", worst);
    return worst < 1e-6;
}

/* The entry at the key now verifies, is a regular file, and a new start loads it silently. */
static int rewritten(char *why, size_t cap)
{
    unsigned char *b;
    size_t n, off, pn;
    struct stat sb;
    if (lstat(key_path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, cap, "no regular file at the key");
        return 0;
    }
    clvis_status st = cache_file_read(key_path, CACHE_MAX_BYTES, &b, &n);
    if (!st)
        st = cache_entry_check(b, n, key, &off, &pn);
    free(b);
    if (st) {
        snprintf(why, cap, "entry does not verify: %s", clvis_last_error());
        return 0;
    }
    clvis_ctx *ctx;
    clvis_build_info bi;
    st = open_ctx(dir, &ctx, &bi);
    int ok = !st && bi.from_cache && notes == 0;
    snprintf(why, cap, "next start: %s, from_cache=%d, %d notice(s)", clvis_status_name(st),
             st ? 0 : bi.from_cache, notes);
    if (!st)
        clvis_ctx_destroy(ctx);
    return ok;
}

/* The entry at the key has been spoiled: the start must rebuild, say so, compute correctly
 * and (when writable) leave a good entry behind. */
static void expect_recovery(const char *label, const char *notice_has, int expect_rewrite)
{
    clvis_ctx *ctx;
    clvis_build_info bi;
    clvis_status st = open_ctx(dir, &ctx, &bi);
    char note_copy[1024], r1[300] = "", r2[300] = "";
    snprintf(note_copy, sizeof note_copy, "%s", last_note);
    int n_notes = notes;
    int ok = st == CLVIS_OK && !bi.from_cache && n_notes > 0 &&
             (!notice_has || strstr(note_copy, notice_has));
    int res = !st && results_ok(ctx, r1, sizeof r1);
    if (!st)
        clvis_ctx_destroy(ctx);
    int rw = expect_rewrite ? rewritten(r2, sizeof r2) : 1;
    test_checkf(ok && res && rw, "%s: %s, from_cache=%d, %d notice(s) [%.200s]; %s; %s", label,
                clvis_status_name(st), st ? 0 : bi.from_cache, n_notes,
                st ? clvis_last_error() : note_copy, r1, expect_rewrite ? r2 : "no rewrite expected");
}

static void put_key(const void *data, size_t n)
{
    unlink(key_path);
    rmdir(key_path);
    put_file(key_path, data, n);
}

/* The binary of src built for ctx's device (malloc'd), or NULL. */
static unsigned char *binary_of(clvis_ctx *ctx, const char *src, size_t *len)
{
    cl_int e;
    cl_program p = clCreateProgramWithSource(ctx->context, 1, &src, NULL, &e);
    if (e != CL_SUCCESS)
        return NULL;
    unsigned char *bin = NULL;
    *len = 0;
    if (clBuildProgram(p, 1, &ctx->device, program_build_options(ctx), NULL, NULL) == CL_SUCCESS &&
        clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof *len, len, NULL) == CL_SUCCESS &&
        *len > 0 && (bin = malloc(*len)) != NULL) {
        unsigned char *ptrs[1] = {bin};
        if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof ptrs, ptrs, NULL) != CL_SUCCESS) {
            free(bin);
            bin = NULL;
        }
    }
    clReleaseProgram(p);
    return bin;
}

/* The clvis source with one piece replaced (a poisoned kernel), malloc'd. */
static char *altered_source(const char *from, const char *to)
{
    const char *at = strstr(clvis_kernel_source, from);
    if (!at)
        return NULL;
    size_t a = (size_t)(at - clvis_kernel_source), total = strlen(clvis_kernel_source);
    char *s = malloc(total - strlen(from) + strlen(to) + 1);
    memcpy(s, clvis_kernel_source, a);
    strcpy(s + a, to);
    strcat(s, at + strlen(from));
    return s;
}

/* A correctly headed entry for our key around a program built from altered kernels. */
static void poisoned_program(clvis_ctx *ctx, const char *label, const char *from, const char *to)
{
    char *src = altered_source(from, to);
    size_t n = 0, elen;
    unsigned char *bin = src ? binary_of(ctx, src, &n) : NULL, *e;
    free(src);
    if (!bin || cache_entry_make(key, bin, n, &e, &elen)) {
        test_fail(label, "could not build the poisoned program");
        free(bin);
        return;
    }
    put_key(e, elen);
    expect_recovery(label, "self-test", 1);
    free(e);
    free(bin);
}

static void flip(const char *label, size_t at)
{
    unsigned char *c = malloc(good_len);
    memcpy(c, good, good_len);
    c[at] ^= 0x10;
    put_key(c, good_len);
    free(c);
    expect_recovery(label, NULL, 1);
}

static void test_device(clvis_ctx *ctx)
{
    char d[300];
    clvis_build_info bi;
    clvis_ctx *c1;
    program_cache_key(ctx, key);
    clvis_status st = open_ctx(dir, &c1, &bi);
    if (st) {
        test_fail("first start", clvis_last_error());
        return;
    }
    snprintf(key_path, sizeof key_path, "%s", bi.cache_file);
    test_check("first start compiles and writes the entry", !bi.from_cache, bi.cache_file);
    clvis_ctx_destroy(c1);
    test_check("the entry verifies and the next start loads it", rewritten(d, sizeof d), d);
    if (cache_file_read(key_path, CACHE_MAX_BYTES, &good, &good_len) ||
        good_len <= CACHE_HEADER_BYTES + 16) {
        test_fail("reading the good entry", clvis_last_error());
        return;
    }
    size_t pay = good_len - CACHE_HEADER_BYTES;

    /* truncations: inside the header, header only, the middle, the end minus one byte */
    put_key(good, 0);
    expect_recovery("empty entry", "truncated header", 1);
    put_key(good, 40);
    expect_recovery("entry cut in the header", "truncated header", 1);
    put_key(good, CACHE_HEADER_BYTES);
    expect_recovery("entry cut after the header", "truncated", 1);
    put_key(good, CACHE_HEADER_BYTES + pay / 2);
    expect_recovery("entry cut in the middle", "truncated", 1);
    put_key(good, good_len - 1); /* the old format crashed PoCL (SIGABRT) here */
    expect_recovery("entry one byte short", "truncated", 1);

    /* bit flips in each header field and the payload */
    flip("bit flip in the magic", 0);
    flip("bit flip in the version", 8);
    flip("bit flip in the payload length", 16);
    flip("bit flip in the key", 30);
    flip("bit flip in the payload hash", 60);
    flip("bit flip in the first payload byte", CACHE_HEADER_BYTES);
    flip("bit flip in the middle of the payload", CACHE_HEADER_BYTES + pay / 2);
    flip("bit flip in the last byte", good_len - 1);

    /* an entry in the old format (the bare binary) */
    put_key(good + CACHE_HEADER_BYTES, pay);
    expect_recovery("bare binary (the old format)", "magic", 1);

    /* another program's binary: bare, then with a correct header for our key */
    size_t fn = 0, elen;
    unsigned char *foreign =
        binary_of(ctx, "__kernel void other(__global float *x) { x[0] = 1.0f; }", &fn), *e;
    if (foreign) {
        put_key(foreign, fn);
        expect_recovery("another program's bare binary", "magic", 1);
        if (!cache_entry_make(key, foreign, fn, &e, &elen)) {
            put_key(e, elen);
            expect_recovery("another program's binary under a valid header", "missing", 1);
            free(e);
        }
    } else {
        test_fail("another program's binary", "could not build it");
    }

    /* poisoned payload under the good header (length fixed up): the hash catches it */
    char *src = altered_source("float inv = 1.0f / s;", "float inv = 1.01f / s;");
    size_t pn = 0;
    unsigned char *pb = src ? binary_of(ctx, src, &pn) : NULL;
    free(src);
    if (pb) {
        unsigned char *c = malloc(CACHE_HEADER_BYTES + pn);
        memcpy(c, good, CACHE_HEADER_BYTES);
        for (int i = 0; i < 8; i++)
            c[16 + i] = (unsigned char)((uint64_t)pn >> (8 * i));
        memcpy(c + CACHE_HEADER_BYTES, pb, pn);
        put_key(c, CACHE_HEADER_BYTES + pn);
        expect_recovery("poisoned binary under the good header", "SHA-256", 1);
        free(c);
        free(pb);
    } else {
        test_fail("poisoned binary under the good header", "could not build it");
    }
    /* correctly hashed poison: only the known-answer check can tell */
    poisoned_program(ctx, "valid-hash entry with an altered softmax (1.01 / sum)",
                     "float inv = 1.0f / s;", "float inv = 1.01f / s;");
    poisoned_program(ctx, "valid-hash entry with an altered add (a - b)",
                     "y[y_off + i] = a[a_off + i] + b[b_off + i];",
                     "y[y_off + i] = a[a_off + i] - b[b_off + i];");

    /* an entry for another key, well formed */
    unsigned char other[32];
    memcpy(other, key, 32);
    other[0] ^= 1;
    if (!cache_entry_make(other, good + CACHE_HEADER_BYTES, pay, &e, &elen)) {
        put_key(e, elen);
        expect_recovery("well-formed entry for another key", "another key", 1);
        free(e);
    }

    /* not regular files */
    unlink(key_path);
    if (mkfifo(key_path, 0600) == 0) {
        alarm(60); /* the old reader blocked here forever */
        expect_recovery("FIFO at the key (no hang)", "not a regular file", 1);
        alarm(0);
    }
    char victim[600], tmpname[700];
    snprintf(victim, sizeof victim, "%s/victim.bin", dir);
    put_file(victim, good, good_len);
    unlink(key_path);
    if (symlink(victim, key_path) == 0) {
        expect_recovery("symbolic link at the key (to a good entry)", "symbolic link", 1);
        unsigned char *vb;
        size_t vn;
        int same = !cache_file_read(victim, CACHE_MAX_BYTES, &vb, &vn) && vn == good_len &&
                   !memcmp(vb, good, vn);
        free(vb);
        test_check("the link's target is untouched", same, victim);
    }
    /* a link planted at the old predictable temporary name while the entry is rewritten */
    put_file(victim, "precious", 8);
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", key_path, (long)getpid());
    put_key(good, 10);
    if (symlink(victim, tmpname) == 0) {
        expect_recovery("symbolic link at the old temporary name", "truncated", 1);
        test_check("the planted link's target is untouched", same_content(victim, "precious"),
                   victim);
        unlink(tmpname);
    }
    unlink(victim);
    unlink(key_path);
    int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL, 0644); /* sparse 300 MB: refused unread */
    int big = fd >= 0 && ftruncate(fd, (off_t)300 << 20) == 0;
    if (fd >= 0)
        close(fd);
    if (big)
        expect_recovery("a 300 MB file at the key (over the limit)", "limit", 1);
    unlink(key_path);
    if (mkdir(key_path, 0755) == 0) {
        expect_recovery("a directory at the key (cannot be replaced)", "not written", 0);
        rmdir(key_path);
    }

    /* a read-only cache: works, says it cannot write */
    char rodir[350];
    snprintf(rodir, sizeof rodir, "%.300s/ro", dir);
    mkdir(rodir, 0755);
    char saved_dir[400], saved_key[600];
    snprintf(saved_dir, sizeof saved_dir, "%s", dir);
    snprintf(saved_key, sizeof saved_key, "%s", key_path);
    snprintf(key_path, sizeof key_path, "%.300s/%.200s", rodir, strrchr(saved_key, '/') + 1);
    put_file(key_path, good, good_len - 1);
    if (geteuid() != 0 && chmod(rodir, 0555) == 0) {
        snprintf(dir, sizeof dir, "%s", rodir);
        expect_recovery("read-only cache directory with a truncated entry", "not written", 0);
        chmod(rodir, 0755);
    } else {
        /* root writes anywhere: /proc is a directory nobody can create files in */
        snprintf(dir, sizeof dir, "/proc");
        snprintf(key_path, sizeof key_path, "/proc/none");
        expect_recovery("read-only cache directory (/proc: running as root)", "not written", 0);
    }
    snprintf(dir, sizeof dir, "%s", saved_dir);
    snprintf(key_path, sizeof key_path, "%s", saved_key);
    free(foreign);
    free(good);
}

int main(void)
{
    test_sha256();
    test_entry_format();
    char tmpl[] = "/tmp/clvis-cachefile-test-XXXXXX";
    if (mkdtemp(tmpl)) {
        test_files(tmpl);
        rmdir(tmpl);
    }
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    char dtmpl[] = "/tmp/clvis-cache-test-XXXXXX";
    if (!mkdtemp(dtmpl)) {
        test_fail("mkdtemp", strerror(errno));
        return test_summary();
    }
    snprintf(dir, sizeof dir, "%s", dtmpl);
    test_device(ctx);
    clvis_ctx_destroy(ctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dtmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dtmpl);
    return test_summary();
}
