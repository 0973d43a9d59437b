/* test_viz.c — colour tables (SHA-256, samples), cv2-exact bilinear resize and the book's
 * post-processing (5.31 grid, 5.37 deprocess, 5.39 grid, 5.42 map, 5.44 overlay) against
 * fixtures written by tools/fixtures/make_viz_fixtures.py with numpy / cv2 / matplotlib.
 * Usage: test_viz [DATA_DIR]   (default tests/data/viz, relative to the source root) */
#include "testutil.h"
#define check test_checkf
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/image.h"
#include "io/resize.h"
#include "viz/book.h"
#include "viz/colormap.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data/viz"
#endif

static const char *data_dir = TEST_DATA_DIR;

/* ---- SHA-256 (FIPS 180-4), enough for a 768-byte table ------------------------------------- */
static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha_k[i] + w[i];
        uint32_t t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        sha256_block(h, p + i);
    unsigned char tail[128] = {0};
    size_t r = n - i, tl = r < 56 ? 64 : 128;
    memcpy(tail, p + i, r);
    tail[r] = 0x80;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++)
        tail[tl - 1 - k] = (unsigned char)(bits >> (8 * k));
    for (size_t k = 0; k < tl; k += 64)
        sha256_block(h, tail + k);
    for (int k = 0; k < 8; k++)
        sprintf(out + 8 * k, "%08x", h[k]);
}

/* ---- fixture helpers ------------------------------------------------------------------------ */
static size_t h5_size(hid_t f, const char *name, hsize_t *dims, int *rank)
{
    if (H5LTget_dataset_ndims(f, name, rank) < 0 || *rank > 8 ||
        H5LTget_dataset_info(f, name, dims, NULL, NULL) < 0)
        return 0;
    size_t n = 1;
    for (int i = 0; i < *rank; i++)
        n *= dims[i];
    return n;
}

static void *h5_read(hid_t f, const char *name, hid_t type, size_t elem, size_t *n_out)
{
    hsize_t dims[8];
    int rank;
    size_t n = h5_size(f, name, dims, &rank);
    void *buf = n ? malloc(n * elem) : NULL;
    if (!buf || H5LTread_dataset(f, name, type, buf) < 0) {
        printf("  missing fixture %s\n", name);
        free(buf);
        return NULL;
    }
    if (n_out)
        *n_out = n;
    return buf;
}

#define cmp_u8(what, got, want, n, tol) test_compare_u8(what, got, want, n, tol, 0.0)

static int cmp_f32(const char *what, const float *got, const float *want, size_t n, double tol)
{
    double maxerr = 0.0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - (double)want[i]);
        if (!(e <= tol) && bad++ < 3)
            printf("  %s: [%zu] got %.9g want %.9g\n", what, i, got[i], want[i]);
        maxerr = e > maxerr ? e : maxerr;
    }
    check(bad == 0, "%s: %zu values, max abs err %.3g (tol %.1g), %zu over", what, n, maxerr, tol,
          bad);
    return bad == 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */
static void test_colormaps(void)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    check(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
          "SHA-256 self-test (\"abc\")");
    sha256_hex(cmap_jet_bgr, sizeof cmap_jet_bgr, hex);
    check(!strcmp(hex, "7d50956401c66a4dc53c41799da385e108902c907a41a061e22e05f0a075af38"),
          "JET table SHA-256 %s", hex);
    static const int idx[6] = {0, 32, 96, 128, 160, 255};
    static const unsigned char want[6][3] = {{128, 0, 0},     {255, 0, 0},   {254, 255, 2},
                                             {126, 255, 130}, {0, 252, 255}, {0, 0, 128}};
    int ok = 1;
    for (int i = 0; i < 6; i++)
        ok &= !memcmp(cmap_jet_bgr[idx[i]], want[i], 3);
    check(ok, "JET BGR samples 0, 32, 96, 128, 160, 255");
    ok = !memcmp(cmap_viridis[0], (unsigned char[]){68, 1, 84}, 3) &&
         !memcmp(cmap_viridis[128], (unsigned char[]){32, 144, 140}, 3) &&
         !memcmp(cmap_viridis[255], (unsigned char[]){253, 231, 36}, 3);
    check(ok, "viridis samples 0 (68,1,84), 128 (32,144,140), 255 (253,231,36)");
}

static void test_resize(hid_t f)
{
    int count = 0;
    H5LTread_dataset_int(f, "/resize/count", &count);
    check(count > 0, "resize fixtures: %d cases", count);
    for (int k = 0; k < count; k++) {
        char sname[64], dname[64], what[96];
        snprintf(sname, sizeof sname, "/resize/%d/src", k);
        snprintf(dname, sizeof dname, "/resize/%d/dst", k);
        hsize_t sd[8], dd[8];
        int rank;
        h5_size(f, sname, sd, &rank);
        h5_size(f, dname, dd, &rank);
        size_t n;
        float *src = h5_read(f, sname, H5T_NATIVE_FLOAT, 4, NULL);
        float *want = h5_read(f, dname, H5T_NATIVE_FLOAT, 4, &n);
        float *got = malloc(sizeof(float) * n);
        int sh = (int)sd[0], sw = (int)sd[1], c = (int)sd[2], dh = (int)dd[0], dw = (int)dd[1];
        clvis_status st = src && want ? cv_resize_bilinear_f32(got, dw, dh, src, sw, sh, c)
                                      : CLVIS_ERR_NOT_FOUND;
        snprintf(what, sizeof what, "cv2 INTER_LINEAR %dx%dx%d -> %dx%d", sw, sh, c, dw, dh);
        if (st == CLVIS_OK)
            cmp_f32(what, got, want, n, 1.5e-6);
        else
            check(0, "%s: %s", what, clvis_status_name(st));
        free(src), free(want), free(got);
    }
}

static void test_activations(hid_t f)
{
    hsize_t d[8];
    int rank;
    h5_size(f, "/act/chw", d, &rank);
    int c = (int)d[0], h = (int)d[1], w = (int)d[2], gw, gh;
    float *act = h5_read(f, "/act/chw", H5T_NATIVE_FLOAT, 4, NULL);
    unsigned char *grid_want = h5_read(f, "/act/grid", H5T_NATIVE_UCHAR, 1, NULL);
    unsigned char *rgb_want = h5_read(f, "/act/rgb", H5T_NATIVE_UCHAR, 1, NULL);
    int dead_want = -1;
    double zf_want = -1;
    H5LTread_dataset_int(f, "/act/dead", &dead_want);
    H5LTread_dataset_double(f, "/act/zero_fraction", &zf_want);
    if (!act || !grid_want || !rgb_want || viz_act_grid_size(c, h, w, &gw, &gh) != CLVIS_OK) {
        check(0, "activation fixtures");
        return;
    }
    unsigned char *grid = malloc((size_t)gw * gh);
    viz_act_stats stats;
    clvis_status st = viz_act_grid(grid, act, c, h, w, &stats);
    check(st == CLVIS_OK && gw == 16 * w && gh == (c / 16) * h,
          "activation grid of %d channels %dx%d: %dx%d", c, h, w, gw, gh);
    cmp_u8("listing 5.31 channel grid (uint8)", grid, grid_want, (size_t)gw * gh, 0);
    check(stats.dead == dead_want && fabs(stats.zero_fraction - zf_want) < 1e-12,
          "dead channels %d (want %d), zero fraction %.6f (want %.6f)", stats.dead, dead_want,
          stats.zero_fraction, zf_want);
    image8 rgb = {0};
    st = viz_viridis_u8(&rgb, grid, gw, gh);
    if (st == CLVIS_OK)
        cmp_u8("imshow(grid, cmap='viridis') RGB", rgb.px, rgb_want, (size_t)gw * gh * 3, 0);
    image_free(&rgb);
    int gw2, gh2;
    check(viz_act_grid_size(8, 4, 4, &gw2, &gh2) == CLVIS_ERR_SHAPE,
          "fewer than 16 channels -> CLVIS_ERR_SHAPE");
    unsigned char flat[4] = {7, 7, 7, 7};
    st = viz_viridis_u8(&rgb, flat, 2, 2);
    check(st == CLVIS_OK && !memcmp(rgb.px, cmap_viridis[0], 3) &&
              !memcmp(rgb.px + 9, cmap_viridis[0], 3),
          "constant grid -> viridis[0] everywhere");
    image_free(&rgb);
    free(act), free(grid_want), free(rgb_want), free(grid);
}

static void test_filters(hid_t f)
{
    hsize_t d[8];
    int rank;
    h5_size(f, "/deprocess/hwc", d, &rank);
    int h = (int)d[0], w = (int)d[1], c = (int)d[2];
    size_t n = (size_t)h * w * c;
    float *x = h5_read(f, "/deprocess/hwc", H5T_NATIVE_FLOAT, 4, NULL);
    unsigned char *want = h5_read(f, "/deprocess/out", H5T_NATIVE_UCHAR, 1, NULL);
    if (x && want) {
        unsigned char *got = malloc(n);
        float *chw = malloc(sizeof(float) * n);
        viz_deprocess_hwc(got, x, h, w, c);
        cmp_u8("listing 5.37 deprocess_image (HWC input)", got, want, n, 0);
        for (int k = 0; k < c; k++)
            for (int p = 0; p < h * w; p++)
                chw[(size_t)k * h * w + p] = x[(size_t)p * c + k];
        memset(got, 0, n);
        viz_deprocess_chw(got, chw, c, h, w);
        cmp_u8("listing 5.37 deprocess_image (CHW input)", got, want, n, 0);
        free(got), free(chw);
    } else {
        check(0, "deprocess fixtures");
    }
    free(x), free(want);

    h5_size(f, "/filters/patterns", d, &rank);
    int np = (int)d[0], size = (int)d[1];
    unsigned char *pats = h5_read(f, "/filters/patterns", H5T_NATIVE_UCHAR, 1, NULL);
    unsigned char *gwant = h5_read(f, "/filters/grid", H5T_NATIVE_UCHAR, 1, &n);
    image8 grid = {0};
    if (pats && gwant && viz_filter_grid(&grid, pats, np, size, 2) == CLVIS_OK &&
        (size_t)grid.w * grid.h * 3 == n)
        cmp_u8("listing 5.39 filter grid (filter i+8j at row i, column j)", grid.px, gwant, n, 0);
    else
        check(0, "filter grid fixtures / call");
    check(viz_filter_grid_side(64, 5) == 547, "grid side for 64 px, margin 5: %d",
          viz_filter_grid_side(64, 5));
    image_free(&grid);
    free(pats), free(gwant);
}

static void test_gradcam(hid_t f)
{
    hsize_t d[8];
    int rank;
    h5_size(f, "/gradcam/grad_nchw", d, &rank);
    int n = (int)d[0], k = (int)d[1], h = (int)d[2], w = (int)d[3];
    float *act = h5_read(f, "/gradcam/act_chw", H5T_NATIVE_FLOAT, 4, NULL);
    float *grad = h5_read(f, "/gradcam/grad_nchw", H5T_NATIVE_FLOAT, 4, NULL);
    float *book = h5_read(f, "/gradcam/book", H5T_NATIVE_FLOAT, 4, NULL);
    float *sum = h5_read(f, "/gradcam/sum", H5T_NATIVE_FLOAT, 4, NULL);
    size_t nrgb;
    unsigned char *rgb_want = h5_read(f, "/gradcam/map_rgb", H5T_NATIVE_UCHAR, 1, &nrgb);
    if (!act || !grad || !book || !sum || !rgb_want) {
        check(0, "grad-cam fixtures");
        return;
    }
    float *map = malloc(sizeof(float) * h * w);
    int empty = -1;
    clvis_status st = viz_gradcam_map(map, act, grad, n, k, h, w, VIZ_CAM_BOOK, &empty);
    check(st == CLVIS_OK && empty == 0, "grad-cam map n=%d k=%d %dx%d", n, k, h, w);
    cmp_f32("listing 5.42 heatmap (channel mean)", map, book, (size_t)h * w, 2e-6);
    st = viz_gradcam_map(map, act, grad, n, k, h, w, VIZ_CAM_SUM, &empty);
    cmp_f32("paper heatmap (channel sum)", map, sum, (size_t)h * w, 2e-6);

    image8 pic = {0};
    st = viz_map_viridis(&pic, book, h, w, 24);
    if (st == CLVIS_OK && (size_t)pic.w * pic.h * 3 == nrgb)
        cmp_u8("matshow(heatmap) viridis, x4 nearest", pic.px, rgb_want, nrgb, 0);
    else
        check(0, "map picture size %dx%d", pic.w, pic.h);
    image_free(&pic);

    for (size_t i = 0; i < (size_t)n * k * h * w; i++)
        grad[i] = -fabsf(grad[i]);
    st = viz_gradcam_map(map, act, grad, n, k, h, w, VIZ_CAM_BOOK, &empty);
    int zeros = 1;
    for (int i = 0; i < h * w; i++)
        zeros &= map[i] == 0.0f;
    check(st == CLVIS_OK && empty == 1 && zeros, "all <= 0 map -> zeros and flagged, no NaN");
    free(map), free(act), free(grad), free(book), free(sum), free(rgb_want);
}

static void test_overlay(hid_t f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/overlay_src.png", data_dir);
    image8 img = {0}, out = {0};
    hsize_t d[8];
    int rank;
    h5_size(f, "/overlay/map", d, &rank);
    int mh = (int)d[0], mw = (int)d[1];
    size_t n;
    float *map = h5_read(f, "/overlay/map", H5T_NATIVE_FLOAT, 4, NULL);
    unsigned char *want = h5_read(f, "/overlay/out", H5T_NATIVE_UCHAR, 1, &n);
    clvis_status st = image_load(path, &img);
    if (st == CLVIS_OK && map && want)
        st = viz_overlay(&out, &img, map, mh, mw);
    if (st == CLVIS_OK && map && want && (size_t)out.w * out.h * 3 == n)
        cmp_u8("listing 5.44 overlay (cv2 resize, JET, 0.4*heat + img, imwrite rounding)",
               out.px, want, n, 0);
    else
        check(0, "overlay: %s", st ? clvis_last_error() : "fixtures missing");
    image_free(&img), image_free(&out);
    free(map), free(want);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        data_dir = argv[1];
    test_colormaps();
    char path[1024];
    snprintf(path, sizeof path, "%s/viz.h5", data_dir);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    check(f >= 0, "open %s", path);
    if (f >= 0) {
        test_resize(f);
        test_activations(f);
        test_filters(f);
        test_gradcam(f);
        test_overlay(f);
        H5Fclose(f);
    }
    return test_summary();
}
