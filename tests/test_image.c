/* test_image.c — image I/O: PNG/JPEG decoding vs PIL's convert('RGB') (tests/data/viz), writer
 * round trips, corrupt/truncated/oversized files, atomic writes, Keras NEAREST resize, preprocess.
 * Usage: test_image [DATA_DIR]   (default tests/data/viz, relative to the source root) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "testutil.h"
#define check test_checkf
#include <dirent.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <time.h>
#include <turbojpeg.h>

#include "io/atomic.h"
#include "io/image.h"
#include "io/resize.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data/viz"
#endif

static const char *data_dir = TEST_DATA_DIR;
static char tmp_dir[256];

static const char *data_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", data_dir, name);
    return buf[k];
}

static const char *tmp_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}

/* Reads a uint8 dataset of exactly n elements; NULL if absent or of another size. */
static unsigned char *h5_u8(hid_t f, const char *name, size_t n)
{
    hsize_t dims[8];
    int rank;
    if (H5LTget_dataset_ndims(f, name, &rank) < 0 || rank > 8 ||
        H5LTget_dataset_info(f, name, dims, NULL, NULL) < 0)
        return NULL;
    size_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total != n)
        return NULL;
    unsigned char *buf = malloc(n);
    if (buf && H5LTread_dataset(f, name, H5T_NATIVE_UCHAR, buf) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

#define cmp_u8(what, got, want, n, tol) test_compare_u8(what, got, want, n, tol, 0.0)

static void test_decode(hid_t f)
{
    static const char *pngs[] = {"gray.png",       "gray1.png",   "gray_alpha.png",
                                 "rgba.png",       "palette.png", "palette_trns.png",
                                 "palette4.png",   "gray16.png",  "rgb16.png",
                                 "rgba16.png",     "interlaced.png"};
    static const char *jpgs[] = {"rgb.jpg", "gray.jpg"};
    for (size_t i = 0; i < sizeof pngs / sizeof *pngs + sizeof jpgs / sizeof *jpgs; i++) {
        int is_png = i < sizeof pngs / sizeof *pngs;
        const char *name = is_png ? pngs[i] : jpgs[i - sizeof pngs / sizeof *pngs];
        image8 img;
        clvis_status st = image_load(data_path(name), &img);
        check(st == CLVIS_OK, "load %s: %s %s", name, clvis_status_name(st),
              st ? clvis_last_error() : "");
        if (st != CLVIS_OK)
            continue;
        char ds[64];
        snprintf(ds, sizeof ds, "/%s/%s", is_png ? "png" : "jpeg", name);
        unsigned char *want = h5_u8(f, ds, (size_t)img.w * img.h * 3);
        check(want != NULL && img.c == 3, "%s: %dx%dx%d matches the PIL decoding's size", name,
              img.w, img.h, img.c);
        if (want)
            cmp_u8(name, img.px, want, (size_t)img.w * img.h * 3, 0);
        free(want);
        image_free(&img);
    }
}

static void fill_smooth(image8 *img)
{
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w; x++)
            for (int c = 0; c < img->c; c++)
                img->px[((size_t)y * img->w + x) * img->c + c] =
                    (unsigned char)(128 + 100 * sin(0.2 * x + 0.13 * y + c));
}

static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static void test_roundtrip(void)
{
    image8 a, b;
    image_alloc(&a, 37, 23, 3);
    for (size_t i = 0; i < (size_t)37 * 23 * 3; i++)
        a.px[i] = (unsigned char)(i * 7919u >> 3);
    clvis_status st = image_write_png(tmp_path("rt.png"), &a);
    check(st == CLVIS_OK, "write PNG: %s", st ? clvis_last_error() : "ok");
    st = image_load(tmp_path("rt.png"), &b);
    check(st == CLVIS_OK && b.w == 37 && b.h == 23, "PNG read back %dx%d", b.w, b.h);
    if (st == CLVIS_OK)
        cmp_u8("PNG round trip", b.px, a.px, (size_t)37 * 23 * 3, 0);
    image_free(&b);

    fill_smooth(&a);
    st = image_write_jpeg(tmp_path("rt.jpg"), &a, 95);
    check(st == CLVIS_OK, "write JPEG q95: %s", st ? clvis_last_error() : "ok");
    st = image_load(tmp_path("rt.jpg"), &b);
    check(st == CLVIS_OK && b.w == 37 && b.h == 23, "JPEG read back %dx%d", b.w, b.h);
    if (st == CLVIS_OK)
        cmp_u8("JPEG q95 round trip (lossy)", b.px, a.px, (size_t)37 * 23 * 3, 24);
    image_free(&b);
    image_free(&a);

    image_alloc(&a, 5, 4, 1);
    for (int i = 0; i < 20; i++)
        a.px[i] = (unsigned char)(i * 13);
    st = image_write_png(tmp_path("g.png"), &a);
    if (st == CLVIS_OK)
        st = image_load(tmp_path("g.png"), &b);
    int ok = st == CLVIS_OK && b.c == 3;
    for (int i = 0; ok && i < 20; i++)
        ok = b.px[3 * i] == a.px[i] && b.px[3 * i + 1] == a.px[i] && b.px[3 * i + 2] == a.px[i];
    check(ok, "gray PNG written and read back as replicated RGB");
    image_free(&a);
    image_free(&b);
    check(count_tmp_files(tmp_dir) == 0, "no temporary files left after successful writes");
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(p, 1, n, fp);
        fclose(fp);
    }
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)len + 1);
    *n = fread(p, 1, (size_t)len, fp);
    fclose(fp);
    return p;
}

static void expect_error(const char *what, const char *path, clvis_status want,
                         const char *needle)
{
    image8 img;
    clvis_status st = image_load(path, &img);
    const char *msg = clvis_last_error();
    int ok = st == want && strstr(msg, path) && !strchr(msg, '\n') && img.px == NULL &&
             (!needle || strstr(msg, needle));
    check(ok, "%s -> %s \"%s\"", what, clvis_status_name(st), msg);
    image_free(&img);
}

static void test_errors(void)
{
    expect_error("missing file", tmp_path("does-not-exist.png"), CLVIS_ERR_IO, NULL);
    write_bytes(tmp_path("empty.png"), "", 0);
    expect_error("empty file", tmp_path("empty.png"), CLVIS_ERR_FORMAT, NULL);
    write_bytes(tmp_path("text.jpg"), "hello, not an image\n", 20);
    expect_error("text file named .jpg", tmp_path("text.jpg"), CLVIS_ERR_FORMAT, "not a PNG");
    expect_error("directory", tmp_dir, CLVIS_ERR_IO, NULL);

    size_t n;
    unsigned char *png = read_bytes(data_path("overlay_src.png"), &n);
    unsigned char *jpg = NULL;
    if (png) {
        write_bytes(tmp_path("trunc.png"), png, n / 2);
        expect_error("truncated PNG", tmp_path("trunc.png"), CLVIS_ERR_FORMAT, NULL);
        write_bytes(tmp_path("trunc_hdr.png"), png, 20);
        expect_error("PNG cut inside IHDR", tmp_path("trunc_hdr.png"), CLVIS_ERR_FORMAT, NULL);
        png[n / 2] ^= 0x55;
        write_bytes(tmp_path("crc.png"), png, n);
        expect_error("PNG with a corrupted byte (CRC)", tmp_path("crc.png"), CLVIS_ERR_FORMAT,
                     NULL);
    }
    jpg = read_bytes(data_path("rgb.jpg"), &n);
    if (jpg) {
        write_bytes(tmp_path("trunc.jpg"), jpg, n * 6 / 10);
        expect_error("truncated JPEG", tmp_path("trunc.jpg"), CLVIS_ERR_FORMAT, NULL);
        write_bytes(tmp_path("trunc_scan.jpg"), jpg, n - 60);
        expect_error("JPEG cut inside its scan data", tmp_path("trunc_scan.jpg"),
                     CLVIS_ERR_FORMAT, "truncated");
        write_bytes(tmp_path("trunc_hdr.jpg"), jpg, 40);
        expect_error("JPEG cut inside its header", tmp_path("trunc_hdr.jpg"), CLVIS_ERR_FORMAT,
                     NULL);
    }
    free(png);
    free(jpg);
    expect_error("PNG declaring 20000x20000", data_path("huge.png"), CLVIS_ERR_FORMAT, "limit");
    expect_error("JPEG declaring 30000x30000", data_path("huge.jpg"), CLVIS_ERR_FORMAT, "limit");
}

static void test_atomic(void)
{
    image8 a;
    image_alloc(&a, 8, 8, 3);
    clvis_status st = image_write_png("/nonexistent-clvis-dir/x.png", &a);
    check(st == CLVIS_ERR_IO && strstr(clvis_last_error(), "/nonexistent-clvis-dir/x.png"),
          "PNG into a missing directory -> %s \"%s\"", clvis_status_name(st),
          clvis_last_error());

    /* rename onto a non-empty directory fails after the temporary was written */
    mkdir(tmp_path("blocked.png"), 0755);
    write_bytes(tmp_path("blocked.png/keep"), "x", 1);
    st = image_write_png(tmp_path("blocked.png"), &a);
    check(st == CLVIS_ERR_IO && count_tmp_files(tmp_dir) == 0,
          "PNG onto a directory fails (%s) and leaves no temporary file", clvis_status_name(st));
    st = image_write_jpeg(tmp_path("blocked.png"), &a, 90);
    check(st == CLVIS_ERR_IO && count_tmp_files(tmp_dir) == 0,
          "JPEG onto a directory fails (%s) and leaves no temporary file", clvis_status_name(st));

    /* a directory this process cannot write to: mode 0555, and as root (who writes through
     * modes) the immutable attribute (chattr +i), else a /proc folder */
    {
        char ro[600];
        snprintf(ro, sizeof ro, "%s", tmp_path("ro"));
        mkdir(ro, 0555);
        int immutable = 0;
        if (geteuid() == 0) {
            char cmd[700];
            snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null", ro);
            immutable = system(cmd) == 0;
        }
        char probe[700];
        snprintf(probe, sizeof probe, "%s/probe", ro);
        FILE *pf = fopen(probe, "w");
        if (pf) { /* still writable (root without chattr): a folder no one can create in */
            fclose(pf);
            unlink(probe);
            snprintf(ro, sizeof ro, "/proc/self/fdinfo");
        }
        char x[700];
        snprintf(x, sizeof x, "%s/x.png", ro);
        st = image_write_png(x, &a);
        check(st == CLVIS_ERR_IO && !file_exists(x) && count_tmp_files(ro) == 0,
              "PNG into a directory it cannot write (%s) fails (%s) and leaves nothing",
              pf ? "/proc/self/fdinfo" : immutable ? "chattr +i" : "mode 0555",
              clvis_status_name(st));
        if (immutable) {
            char cmd[700];
            snprintf(cmd, sizeof cmd, "chattr -i '%s'", tmp_path("ro"));
            if (system(cmd) != 0)
                printf("note: could not clear the immutable flag of %s\n", tmp_path("ro"));
        }
    }

    /* a signal during a write: the live temporary is removed, then the signal ends the
     * process as it would have (#17: Ctrl-C / SIGTERM left .<name>.tmp.<pid> files) */
    for (int k = 0; k < 2; k++) {
        const int sig = k ? SIGINT : SIGTERM;
        char live[800], dir[600], inner[700];
        snprintf(dir, sizeof dir, "%s/made%d", tmp_dir, k);
        snprintf(inner, sizeof inner, "%s/sub", dir);
        snprintf(live, sizeof live, "%s/.big.png.tmp.%d.0123456789abcdef", inner, k);
        pid_t pid = fork();
        if (pid == 0) {
            /* a shell's background job starts with SIGINT ignored, and an ignored signal stays
             * ignored by design (the check below): this test wants the default first */
            signal(sig, SIG_DFL);
            atomic_cleanup_on_signals();
            mkdir(dir, 0755);
            mkdir(inner, 0755);
            atomic_live_add_dir(inner); /* the deepest first */
            atomic_live_add_dir(dir);
            write_bytes(live, "partial", 7);
            atomic_live_add(live);
            raise(sig);
            _exit(0); /* not reached */
        }
        int ws = 0;
        int ok = pid > 0 && waitpid(pid, &ws, 0) == pid;
        check(ok && WIFSIGNALED(ws) && WTERMSIG(ws) == sig && !file_exists(live) &&
                  !file_exists(dir),
              "%s while a temporary is live: it and the (then empty) folders made for it are "
              "removed, the process ends by the signal",
              sig == SIGINT ? "SIGINT" : "SIGTERM");
        unlink(live);
        rmdir(inner);
        rmdir(dir);
    }
    {
        /* a slot given back is no longer removed; an ignored signal stays ignored */
        char kept[600];
        snprintf(kept, sizeof kept, "%s", tmp_path("kept.png"));
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGHUP, SIG_IGN);
            atomic_cleanup_on_signals();
            write_bytes(kept, "done", 4);
            atomic_live_remove(atomic_live_add(kept));
            raise(SIGHUP); /* ignored */
            raise(SIGTERM);
            _exit(0);
        }
        int ws = 0;
        int ok = pid > 0 && waitpid(pid, &ws, 0) == pid;
        check(ok && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM && file_exists(kept),
              "a finished file is not removed by a later signal; an ignored SIGHUP stays "
              "ignored");
        unlink(kept);
    }

    st = file_write_atomic(tmp_path("page.html"), "<p>one</p>", 10);
    st = st ? st : file_write_atomic(tmp_path("page.html"), "<p>two!</p>\n", 12);
    size_t n = 0;
    unsigned char *p = read_bytes(tmp_path("page.html"), &n);
    check(st == CLVIS_OK && p && n == 12 && memcmp(p, "<p>two!</p>\n", 12) == 0 &&
              count_tmp_files(tmp_dir) == 0,
          "file_write_atomic replaces an existing file, no temporaries left");
    free(p);
    st = file_write_atomic(tmp_path("nodir/x.json"), "{}", 2);
    check(st == CLVIS_ERR_IO && !file_exists(tmp_path("nodir/x.json")),
          "file_write_atomic into a missing directory -> %s", clvis_status_name(st));
    st = image_write_jpeg(tmp_path("q.jpg"), &a, 0);
    check(st == CLVIS_ERR_INVALID_ARG && !file_exists(tmp_path("q.jpg")),
          "JPEG quality 0 refused, no file");

    /* a link planted at the old predictable temporary name is never followed (it made an
     * earlier clvis overwrite the link's target), and the result is a regular file */
    {
        char victim[600], planted[700], out[600];
        snprintf(victim, sizeof victim, "%s", tmp_path("victim.txt"));
        snprintf(out, sizeof out, "%s", tmp_path("linked.png"));
        snprintf(planted, sizeof planted, "%s.tmp.%ld", out, (long)getpid());
        write_bytes(victim, "keep", 4);
        int linked = symlink(victim, planted) == 0;
        st = image_write_png(out, &a);
        size_t vn = 0;
        unsigned char *v = read_bytes(victim, &vn);
        struct stat sb;
        check(linked && st == CLVIS_OK && v && vn == 4 && !memcmp(v, "keep", 4) &&
                  lstat(out, &sb) == 0 && S_ISREG(sb.st_mode),
              "a link at <path>.tmp.<pid> is not followed: its target is untouched, the PNG is "
              "a regular file");
        free(v);
        unlink(planted);
        unlink(victim);
        unlink(out);
    }
    image_free(&a);
}

static void test_nearest(hid_t f)
{
    hsize_t dims[2];
    if (H5LTget_dataset_info(f, "/nearest/pairs", dims, NULL, NULL) < 0) {
        check(0, "nearest fixtures present");
        return;
    }
    int np = (int)dims[0];
    int *pairs = malloc(sizeof(int) * 2 * np);
    H5LTget_dataset_info(f, "/nearest/indices", dims, NULL, NULL);
    int *idx = malloc(sizeof(int) * dims[0]);
    H5LTread_dataset_int(f, "/nearest/pairs", pairs);
    H5LTread_dataset_int(f, "/nearest/indices", idx);
    int bad = 0, checked = 0, formula_diff = 0;
    size_t off = 0;
    for (int k = 0; k < np; k++) {
        int s = pairs[2 * k], d = pairs[2 * k + 1];
        for (int axis = 0; axis < 2; axis++) {
            image8 src, dst;
            image_alloc(&src, axis ? 1 : s, axis ? s : 1, 3);
            for (int i = 0; i < s; i++)
                src.px[3 * i] = (unsigned char)(i & 255), src.px[3 * i + 1] = (unsigned char)(i >> 8);
            clvis_status st = keras_resize_nearest(&dst, axis ? 1 : d, axis ? d : 1, &src);
            for (int i = 0; st == CLVIS_OK && i < d; i++) {
                int got = dst.px[3 * i] | dst.px[3 * i + 1] << 8;
                checked++;
                if (got != idx[off + i] && bad++ < 3)
                    printf("  nearest %d->%d axis %d: [%d] got %d want %d\n", s, d, axis, i, got,
                           idx[off + i]);
                if (axis == 0 && (int)floor((i + 0.5) * s / d) != idx[off + i])
                    formula_diff++;
            }
            if (st != CLVIS_OK)
                bad++;
            image_free(&src);
            image_free(&dst);
        }
        off += (size_t)d;
    }
    check(bad == 0, "keras_resize_nearest vs PIL NEAREST: %d pairs, %d indices, %d wrong", np,
          checked, bad);
    printf("  (PIL differs from exact floor((x+0.5)*s/d) at %d of %d indices: it accumulates "
           "x0 + k*s/d in double)\n", formula_diff, checked / 2);
    free(pairs);
    free(idx);

    image8 a, b;
    image_alloc(&a, 3, 2, 3);
    for (int i = 0; i < 18; i++)
        a.px[i] = (unsigned char)i;
    clvis_status st = keras_resize_nearest(&b, 3, 2, &a);
    check(st == CLVIS_OK && memcmp(a.px, b.px, 18) == 0, "same-size NEAREST resize is a copy");
    image_free(&b);
    st = keras_resize_nearest(&b, 6, 4, &a);
    int ok = st == CLVIS_OK;
    for (int y = 0; ok && y < 4; y++)
        for (int x = 0; ok && x < 6; x++)
            ok = memcmp(b.px + (y * 6 + x) * 3, a.px + ((y / 2) * 3 + x / 2) * 3, 3) == 0;
    check(ok, "2x NEAREST upscale duplicates pixels");
    image_free(&b);

    float out[18];
    a.px[0] = 10, a.px[1] = 20, a.px[2] = 30;
    image_preprocess(out, &a, CLVIS_PREPROCESS_CAFFE);
    ok = out[0] == 30.f - 103.939f && out[1] == 20.f - 116.779f && out[2] == 10.f - 123.68f;
    image_preprocess(out, &a, CLVIS_PREPROCESS_TF);
    ok = ok && out[0] == 10.f / 127.5f - 1.f && out[5] == 5.f / 127.5f - 1.f;
    image_preprocess(out, &a, CLVIS_PREPROCESS_SCALE);
    ok = ok && out[2] == 30.f / 255.f;
    image_preprocess(out, &a, CLVIS_PREPROCESS_RAW);
    ok = ok && out[17] == 17.f;
    check(ok, "preprocess RAW / SCALE / TF / CAFFE (BGR, mean subtracted in float32)");
    image_free(&a);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            chmod(p, 0755);
            rm_tree(p);
        } else {
            unlink(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

/* Generator mode for the CLI tests: a W x H gradient JPEG (e.g. a 100-megapixel photo). */
/* #17 limits of the image reader: scans of a progressive JPEG, files that are not regular */
/* WebP, TIFF, BMP and CMYK / YCCK JPEG (tests/data/formats, tools/fixtures/make_image_formats.py)
 * against PIL's convert('RGB') of the same file; the format comes from the bytes, not the name */
static void test_formats(void)
{
    static const struct {
        const char *name;
        int tol; /* lossy files: PIL's bundled libwebp / libjpeg-turbo may round differently */
    } ok[] = {{"cmyk.jpg", 1},       {"ycck.jpg", 1},         {"lossy.webp", 2},
              {"rgba_lossless.webp", 0}, {"rgb.tif", 0},     {"rgba_deflate.tif", 0},
              {"gray_lzw.tif", 0},   {"palette.tif", 0},      {"rgb24.bmp", 0},
              {"rgba32.bmp", 0},     {"palette8.bmp", 0},     {"mono1.bmp", 0},
              {"topdown24.bmp", 0}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char name[128], wname[160];
        snprintf(name, sizeof name, "../formats/%s", ok[i].name);
        snprintf(wname, sizeof wname, "../formats/%s.want.png", ok[i].name);
        image8 img, want;
        clvis_status st = image_load(data_path(name), &img);
        clvis_status sw = image_load(data_path(wname), &want);
        check(st == CLVIS_OK && sw == CLVIS_OK && img.w == 37 && img.h == 23 && img.c == 3 &&
                  want.w == 37 && want.h == 23,
              "decode %s: %s %s (%dx%dx%d)", ok[i].name, clvis_status_name(st),
              st ? clvis_last_error() : "", img.w, img.h, img.c);
        if (st == CLVIS_OK && sw == CLVIS_OK && img.w == want.w && img.h == want.h)
            cmp_u8(ok[i].name, img.px, want.px, (size_t)img.w * img.h * 3, ok[i].tol);
        image_free(&img);
        image_free(&want);
    }
    /* the name does not matter: a BMP called .png, a WebP called .jpg */
    size_t n;
    unsigned char *b = read_bytes(data_path("../formats/rgb24.bmp"), &n);
    if (b)
        write_bytes(tmp_path("bmp_named.png"), b, n);
    free(b);
    image8 img;
    clvis_status st = image_load(tmp_path("bmp_named.png"), &img);
    check(st == CLVIS_OK && img.w == 37, "a BMP named .png is read as BMP: %s",
          st ? clvis_last_error() : "ok");
    image_free(&img);

    static const struct {
        const char *name, *needle;
    } bad[] = {{"bad_rle8.bmp", "RLE-compressed BMP is not read"},
               {"bad_truncated.bmp", "truncated BMP"},
               {"bad_huge.bmp", "12000x10000 pixels (120.0 MP), over the limit of 100000000"},
               {"bad_truncated.webp", "WebP"},
               {"bad_truncated.tif", "TIFF"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[128];
        snprintf(name, sizeof name, "../formats/%s", bad[i].name);
        expect_error(bad[i].name, data_path(name), CLVIS_ERR_FORMAT, bad[i].needle);
    }

    /* the pixel limit: refused from the header, before decoding, whatever the format; the
     * size is in the message; the default comes back */
    check(image_max_pixels() == IMAGE_MAX_PIXELS, "default pixel limit %ld", image_max_pixels());
    check(image_set_max_pixels(0) == CLVIS_ERR_INVALID_ARG &&
              image_set_max_pixels(IMAGE_MAX_PIXELS_CEIL + 1) == CLVIS_ERR_INVALID_ARG,
          "pixel limits 0 and over 16384^2 refused");
    image_set_max_pixels(37 * 23 - 1);
    static const char *fmts[] = {"cmyk.jpg", "lossy.webp", "rgb.tif", "rgb24.bmp"};
    for (size_t i = 0; i < 4; i++) {
        char name[128], what[160];
        snprintf(name, sizeof name, "../formats/%s", fmts[i]);
        snprintf(what, sizeof what, "%s over a limit of 850 pixels", fmts[i]);
        expect_error(what, data_path(name), CLVIS_ERR_FORMAT,
                     "37x23 pixels (0.0 MP), over the limit of 850 pixels");
    }
    expect_error("PNG over a limit of 850 pixels", data_path("../formats/rgb.tif.want.png"),
                 CLVIS_ERR_FORMAT, "37x23 pixels");
    image_set_max_pixels(37 * 23);
    st = image_load(data_path("../formats/rgb24.bmp"), &img);
    check(st == CLVIS_OK, "a 37x23 BMP at a limit of exactly 851 pixels is read");
    image_free(&img);
    image_set_max_pixels(IMAGE_MAX_PIXELS);
    /* a bigger limit lets a 120 MP header through to the next check (here: no pixel data) */
    image_set_max_pixels(130000000L);
    expect_error("120 MP BMP under a 130 MP limit: truncated, not over the limit",
                 data_path("../formats/bad_huge.bmp"), CLVIS_ERR_FORMAT, "truncated BMP");
    image_set_max_pixels(IMAGE_MAX_PIXELS);
}

static void test_limits(void)
{
    /* a progressive JPEG whose last scan is repeated 3000 times (valid markers, within the
     * pixel limits): refused by libjpeg-turbo's scan limit (500) instead of decoded scan by
     * scan, each a pass over the whole image */
    const int w = 512, h = 512;
    unsigned char *px = malloc((size_t)w * h * 3), *jpg = NULL;
    unsigned long jn = 0;
    for (int i = 0; px && i < w * h * 3; i++)
        px[i] = (unsigned char)(i * 7 + (i / 1536) * 3);
    tjhandle tj = tjInitCompress();
    int ok = px && tj &&
             tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpg, &jn, TJSAMP_420, 80,
                         TJFLAG_PROGRESSIVE) == 0;
    size_t last = 0;
    for (size_t i = 2; ok && i + 1 < jn; i++)
        if (jpg[i] == 0xff && jpg[i + 1] == 0xda)
            last = i;
    ok = ok && last && jn > last + 2 && jpg[jn - 2] == 0xff && jpg[jn - 1] == 0xd9;
    if (ok) {
        size_t scan = jn - 2 - last, reps = 3000, n = last + scan * reps + 2;
        unsigned char *bomb = malloc(n);
        if (bomb) {
            memcpy(bomb, jpg, last);
            for (size_t r = 0; r < reps; r++)
                memcpy(bomb + last + r * scan, jpg + last, scan);
            bomb[n - 2] = 0xff;
            bomb[n - 1] = 0xd9;
            write_bytes(tmp_path("scans.jpg"), bomb, n);
            free(bomb);
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            image8 img = {0};
            clvis_status st = image_load(tmp_path("scans.jpg"), &img);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double sec = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
            check(st == CLVIS_ERR_FORMAT && strstr(clvis_last_error(), "500 scans") && sec < 5,
                  "progressive JPEG with 3000 scans: refused by the scan limit in %.2f s (%s: %s)",
                  sec, clvis_status_name(st), clvis_last_error());
            image_free(&img);
        }
    }
    check(ok, "progressive JPEG fixture built");
    if (tj)
        tjDestroy(tj);
    tjFree(jpg);
    free(px);

    /* a FIFO named like a photo is refused at once, not waited on (nobody writes to it) */
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s", tmp_path("b.jpg"));
    if (mkfifo(fifo, 0644) == 0) {
        image8 img = {0};
        clvis_status st = image_load(fifo, &img);
        check(st == CLVIS_ERR_IO && strstr(clvis_last_error(), "not a regular file (a FIFO)"),
              "a FIFO named b.jpg: %s \"%s\"", clvis_status_name(st), clvis_last_error());
        unlink(fifo);
    }
    image8 img = {0};
    clvis_status st = image_load("/dev/zero", &img);
    check(st == CLVIS_ERR_IO && strstr(clvis_last_error(), "a device"),
          "/dev/zero as an image: %s \"%s\"", clvis_status_name(st), clvis_last_error());
    st = image_load(tmp_dir, &img);
    check(st == CLVIS_ERR_IO && strstr(clvis_last_error(), "a directory"),
          "a directory as an image: %s", clvis_status_name(st));
}

static int write_gradient_jpeg(const char *path, int w, int h)
{
    image8 img = {0};
    if (image_alloc(&img, w, h, 3) != CLVIS_OK)
        return 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = img.px + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)x, p[1] = (unsigned char)y, p[2] = 128;
        }
    clvis_status st = image_write_jpeg(path, &img, 80);
    image_free(&img);
    return st == CLVIS_OK ? 0 : 1;
}

/* #13: a 1-channel model's input: Pillow's Image.convert("L") exactly (its fixed-point ITU-R
 * 601-2 luma, which differs from the truncated R*299/1000 + G*587/1000 + B*114/1000 on about
 * half of the pixels), from RGB and from RGBA (alpha ignored, as Pillow does); a gray image
 * stays itself. The *_L.png fixtures were written by Pillow 13 (tools/fixtures/README.md). */
static void test_gray(void)
{
    static const char *cases[][2] = {{"overlay_src.png", "overlay_src_L.png"},
                                     {"rgba.png", "rgba_L.png"}};
    for (int k = 0; k < 2; k++) {
        image8 rgb = {0}, want = {0}, got = {0}, again = {0};
        clvis_status st = image_load(data_path(cases[k][0]), &rgb);
        if (!st)
            st = image_load(data_path(cases[k][1]), &want);
        if (!st)
            st = image_to_gray(&got, &rgb);
        if (st) {
            check(0, "gray %s: %s", cases[k][0], clvis_last_error());
            continue;
        }
        size_t n = (size_t)rgb.w * rgb.h, bad = 0, trunc_diff = 0;
        for (size_t i = 0; i < n; i++) {
            bad += got.px[i] != want.px[i * 3];
            const unsigned char *p = rgb.px + i * 3;
            trunc_diff += (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000 != want.px[i * 3];
        }
        check(got.c == 1 && got.w == rgb.w && got.h == rgb.h && bad == 0,
              "image_to_gray(%s) = Pillow's convert('L') on all %zu pixels (%zu differ; the "
              "truncated formula would differ on %zu)", cases[k][0], n, bad, trunc_diff);
        st = image_to_gray(&again, &got);
        check(!st && !memcmp(again.px, got.px, n), "image_to_gray of a gray image: the same image");
        image_free(&rgb), image_free(&want), image_free(&got), image_free(&again);
    }
    unsigned char px[6] = {10, 20, 30, 200, 100, 50};
    image8 g2 = {2, 1, 3, px}, one = {0};
    float x[2];
    image_preprocess(x, &(image8){2, 1, 1, (unsigned char[]){51, 255}}, CLVIS_PREPROCESS_TF);
    check(!image_to_gray(&one, &g2) && one.px[0] == 18 && one.px[1] == 124 &&
              fabsf(x[0] - (51 / 127.5f - 1)) < 1e-7f && x[1] == 1.0f,
          "gray pixels: (10,20,30) -> 18, (200,100,50) -> 124; tf preprocessing of 1 channel");
    image_free(&one);
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--write-gradient-jpeg"))
        return write_gradient_jpeg(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc > 1)
        data_dir = argv[1];
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/clvis_test_image.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        printf("cannot create a temporary directory\n0 passed, 1 failed\n");
        return 1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(data_path("viz.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    check(f >= 0, "open %s", data_path("viz.h5"));
    if (f >= 0) {
        test_decode(f);
        test_nearest(f);
        H5Fclose(f);
    }
    test_roundtrip();
    test_gray();
    test_errors();
    test_atomic();
    test_limits();
    test_formats();
    rm_tree(tmp_dir);
    return test_summary();
}
