/* test_lucid.c — feature visualisation as Lucid does it (src/explain/lucid_*.c): each device op
 * against its plain-C reference, every adjoint against the dot-product identity and finite
 * differences, each transform against direct indexing, the colour matrix round trip, Adam
 * against a C loop, and the pipeline on small models (the objective rises; seeded; the batch
 * does not change an item; readability: the share of high-frequency energy vs the book). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/lucid.h"
#include "testutil.h"

static clvis_ctx *ctx;

static cl_mem dev(const float *x, size_t n)
{
    cl_mem m = NULL;
    if (buffer_create(ctx, (n ? n : 1) * sizeof(float), &m) == CLVIS_OK && x)
        buffer_write(ctx, m, 0, n * sizeof(float), x);
    return m;
}

static void get(cl_mem m, float *x, size_t n)
{
    if (buffer_read(ctx, m, 0, n * sizeof(float), x) != CLVIS_OK)
        memset(x, 0xff, n * sizeof(float)); /* NaN: the comparison fails */
}

static void randu(lucid_rng *r, float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * lucid_rng_uniform(r));
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

static void dcopy(double *d, const float *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = f[i];
}

/* ---- the Fourier parametrisation ------------------------------------------------------------- */
static void test_fft(int B, int H, int W)
{
    lucid_rng r;
    lucid_rng_seed(&r, 1);
    size_t ns = (size_t)B * lucid_spectrum_floats(H, W), nx = (size_t)B * 3 * H * W;
    float *s = malloc(ns * 4), *x = malloc(nx * 4), *xr = malloc(nx * 4), *g = malloc(nx * 4);
    float *gs = malloc(ns * 4), *gsr = malloc(ns * 4);
    double *w = malloc((ns > nx ? ns : nx) * sizeof *w);
    randu(&r, s, ns, -1, 1);
    randu(&r, g, nx, -1, 1);
    cl_mem ms = dev(s, ns), mx = dev(NULL, nx), mz = dev(NULL, ns), mg = dev(g, nx),
           mgs = dev(NULL, ns);
    cl_mem tw = NULL;
    clvis_status st = lucid_fft_tables(ctx, H, W, &tw);
    if (!st)
        st = lucid_irfft(ctx, mx, ms, mz, tw, B, H, W);
    get(mx, x, nx);
    lucid_irfft_ref(xr, s, B, H, W);
    char l[160];
    snprintf(l, sizeof l, "irfft2 %dx%dx%d: device DFT vs C reference DFT", B, H, W);
    dcopy(w, xr, nx);
    test_compare_floor(l, st ? g : x, w, nx, 2e-5, 1e-3);
    if (!st)
        st = lucid_irfft_adj(ctx, mgs, mg, mz, tw, B, H, W);
    get(mgs, gs, ns);
    lucid_irfft_adj_ref(gsr, g, B, H, W);
    snprintf(l, sizeof l, "irfft2 adjoint %dx%dx%d: device vs C reference", B, H, W);
    dcopy(w, gsr, ns);
    test_compare_floor(l, st ? s : gs, w, ns, 2e-5, 1e-3);
    double lhs = dot(xr, g, nx), rhs = dot(s, gsr, ns);
    test_checkf(fabs(lhs - rhs) <= 1e-5 * (fabs(lhs) + 1), "irfft2 %dx%d: <A s, g> = %.9g = <s, "
                "A^T g> = %.9g (the reference adjoint is the transpose)", H, W, lhs, rhs);
    /* one coefficient: Re P[c=1][j=0][k=1] = 1 is the cosine 2 s cos(2 pi n / W) / (4 H W) */
    memset(s, 0, ns * 4);
    int K = W / 2 + 1;
    s[(size_t)1 * H * K + 1] = 1.0f;
    lucid_irfft_ref(xr, s, 1, H, W);
    double sc = lucid_fft_scale(0, 1, H, W), worst = 0;
    for (int m = 0; m < H; m++)
        for (int n = 0; n < W; n++) {
            double want = 2 * sc * cos(2 * M_PI * n / W) / (4.0 * H * W);
            worst = fmax(worst, fabs(xr[((size_t)1 * H + m) * W + n] - want));
            worst = fmax(worst, fabs(xr[(size_t)m * W + n])); /* channel 0 stays 0 */
        }
    test_checkf(worst < 1e-6, "irfft2 %dx%d: one coefficient is its cosine (err %.2g)", H, W,
                worst);
    /* Lucid's scale: 1 / max(|f|, 1 / max(H, W)) * sqrt(H W) */
    double f11 = sqrt(1.0 / (W * W) + 1.0 / (H * H));
    test_checkf(fabs(lucid_fft_scale(0, 0, H, W) - (H > W ? H : W) * sqrt((double)H * W)) < 1e-2 &&
                    fabs(lucid_fft_scale(H - 1, 1, H, W) - sqrt((double)H * W) / f11) < 1e-3,
                "fft scale %dx%d: DC %.4g, (-1, 1) %.4g as Lucid's rfft2d_freqs", H, W,
                lucid_fft_scale(0, 0, H, W), lucid_fft_scale(H - 1, 1, H, W));
    clReleaseMemObject(ms);
    clReleaseMemObject(mx);
    clReleaseMemObject(mz);
    clReleaseMemObject(mg);
    clReleaseMemObject(mgs);
    if (tw)
        clReleaseMemObject(tw);
    free(s);
    free(x);
    free(xr);
    free(g);
    free(gs);
    free(gsr);
    free(w);
}

/* ---- colour ------------------------------------------------------------------------------------ */
static void test_color(void)
{
    float m[9], inv[9], id[9];
    lucid_color_matrix(1, m);
    double mx = 0;
    for (int c = 0; c < 3; c++)
        mx = fmax(mx, sqrt(m[c] * m[c] + m[3 + c] * m[3 + c] + m[6 + c] * m[6 + c]));
    test_checkf(fabs(mx - 1) < 1e-6 && fabs(m[0] - 0.26 / sqrt(0.26 * 0.26 + 0.27 * 0.27 * 2)) < 1e-6,
                "colour matrix: Lucid's svd_sqrt over its largest column norm (%.6f, m00 %.6f)",
                mx, m[0]);
    int ok = lucid_mat3_inverse(m, inv);
    double e = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += (double)m[i * 3 + k] * inv[k * 3 + j];
            e = fmax(e, fabs(s - (i == j)));
        }
    test_checkf(ok && e < 1e-5, "colour matrix round trip: M M^-1 = I (err %.2g)", e);
    lucid_color_matrix(0, id);
    test_checkf(id[0] == 1 && id[4] == 1 && id[8] == 1 && id[1] == 0,
                "no decorrelation: the identity");
    /* round trip through the sigmoid: logit(img) = M t, so M^-1 logit(img) = t */
    lucid_rng r;
    lucid_rng_seed(&r, 2);
    const int B = 2, HW = 30;
    size_t n = (size_t)B * 3 * HW;
    float *t = malloc(n * 4), *img = malloc(n * 4), *ref = malloc(n * 4), *g = malloc(n * 4);
    float *gt = malloc(n * 4), *gtr = malloc(n * 4);
    double *w = malloc(n * sizeof *w);
    randu(&r, t, n, -2, 2);
    randu(&r, g, n, -1, 1);
    lucid_rgb_ref(ref, t, B, HW, m);
    double rt = 0;
    for (int b = 0; b < B; b++)
        for (int p = 0; p < HW; p++)
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int c = 0; c < 3; c++) {
                    double v = ref[((size_t)b * 3 + c) * HW + p];
                    s += inv[j * 3 + c] * log(v / (1 - v));
                }
                rt = fmax(rt, fabs(s - t[((size_t)b * 3 + j) * HW + p]));
            }
    test_checkf(rt < 1e-4, "colour round trip: M^-1 logit(sigmoid(M t)) = t (err %.2g)", rt);
    cl_mem mt = dev(t, n), mi = dev(NULL, n), mg = dev(g, n), mgt = dev(NULL, n);
    clvis_status st = lucid_rgb_forward(ctx, mi, mt, B, HW, m);
    get(mi, img, n);
    dcopy(w, ref, n);
    test_compare_fd("to_valid_rgb (decorrelate + sigmoid): device vs C", st ? t : img, w, n, 1e-6);
    st = lucid_rgb_backward(ctx, mgt, mg, mi, B, HW, m);
    get(mgt, gt, n);
    lucid_rgb_adj_ref(gtr, g, ref, B, HW, m);
    dcopy(w, gtr, n);
    test_compare_fd("to_valid_rgb backward: device vs C", st ? t : gt, w, n, 1e-5);
    /* finite differences of <g, rgb(t)> */
    for (size_t i = 0; i < n; i++) {
        float keep = t[i];
        t[i] = keep + 1e-3f;
        lucid_rgb_ref(img, t, B, HW, m);
        double fp = dot(g, img, n);
        t[i] = keep - 1e-3f;
        lucid_rgb_ref(img, t, B, HW, m);
        double fm = dot(g, img, n);
        t[i] = keep;
        w[i] = (fp - fm) / 2e-3;
    }
    test_compare_fd("to_valid_rgb backward vs finite differences", gtr, w, n, 2e-3);
    clReleaseMemObject(mt);
    clReleaseMemObject(mi);
    clReleaseMemObject(mg);
    clReleaseMemObject(mgt);
    free(t);
    free(img);
    free(ref);
    free(g);
    free(gt);
    free(gtr);
    free(w);
}

/* The whole parametrisation, spectrum -> irfft2 -> decorrelate -> sigmoid: its backward (the
 * chain of adjoints) against central finite differences of <g, image(spectrum)>. */
static void test_param_gradient(void)
{
    const int B = 1, H = 6, W = 8;
    size_t ns = lucid_spectrum_floats(H, W), nx = (size_t)3 * H * W;
    float m[9];
    lucid_color_matrix(1, m);
    lucid_rng r;
    lucid_rng_seed(&r, 3);
    float *s = malloc(ns * 4), *t = malloc(nx * 4), *img = malloc(nx * 4), *g = malloc(nx * 4);
    float *gt = malloc(nx * 4), *gs = malloc(ns * 4);
    double *fd = malloc(ns * sizeof *fd);
    randu(&r, s, ns, -0.05, 0.05);
    randu(&r, g, nx, -1, 1);
    cl_mem ms = dev(s, ns), mt = dev(NULL, nx), mz = dev(NULL, ns), mi = dev(NULL, nx),
           mg = dev(g, nx), mgt = dev(NULL, nx), mgs = dev(NULL, ns);
    cl_mem tw = NULL;
    clvis_status st = lucid_fft_tables(ctx, H, W, &tw);
    if (!st)
        st = lucid_irfft(ctx, mt, ms, mz, tw, B, H, W);
    if (!st)
        st = lucid_rgb_forward(ctx, mi, mt, B, H * W, m);
    if (!st)
        st = lucid_rgb_backward(ctx, mgt, mg, mi, B, H * W, m);
    if (!st)
        st = lucid_irfft_adj(ctx, mgs, mgt, mz, tw, B, H, W);
    get(mgs, gs, ns);
    for (size_t i = 0; i < ns; i++) {
        double f[2];
        float keep = s[i];
        for (int k = 0; k < 2; k++) {
            s[i] = keep + (k ? -1e-3f : 1e-3f);
            lucid_irfft_ref(t, s, B, H, W);
            lucid_rgb_ref(img, t, B, H * W, m);
            f[k] = dot(g, img, nx);
        }
        s[i] = keep;
        fd[i] = (f[0] - f[1]) / 2e-3;
    }
    test_compare_fd("fft parametrisation backward (device) vs finite differences",
                    st ? s : gs, fd, ns, 3e-3);
    cl_mem all[] = {ms, mt, mz, mi, mg, mgt, mgs};
    for (int i = 0; i < 7; i++)
        clReleaseMemObject(all[i]);
    if (tw)
        clReleaseMemObject(tw);
    free(s);
    free(t);
    free(img);
    free(g);
    free(gt);
    free(gs);
    free(fd);
}

/* ---- transformation robustness ------------------------------------------------------------- */
static lucid_chanmap chan_identity(void)
{
    lucid_chanmap cm = {{0, 1, 2}, {1, 1, 1}, {0, 0, 0}};
    return cm;
}

/* Runs the device resampler for B items with the given maps; y: B*3*Ho*Wo. */
static clvis_status sample_dev(float *y, const float *x, const lucid_affine *a, int B, int Hs,
                               int Ws, int Ho, int Wo, const lucid_chanmap *cm)
{
    size_t nx = (size_t)B * 3 * Hs * Ws, ny = (size_t)B * 3 * Ho * Wo;
    float *aff = malloc((size_t)B * 12 * 4);
    for (int b = 0; b < B; b++) {
        memcpy(aff + b * 6, a[b].a, 24);
        memcpy(aff + (B + b) * 6, a[b].inv, 24);
    }
    cl_mem mx = dev(x, nx), ma = dev(aff, (size_t)B * 12), my = dev(NULL, ny + 5);
    tensor ty = {my, 5, B, 3, Ho, Wo}; /* a window at an offset, as graph arenas hand out */
    clvis_status st = lucid_sample_forward(ctx, ty, mx, ma, B, Hs, Ws, cm);
    if (buffer_read(ctx, my, 5 * sizeof(float), ny * sizeof(float), y) != CLVIS_OK)
        memset(y, 0xff, ny * sizeof(float));
    clReleaseMemObject(mx);
    clReleaseMemObject(ma);
    clReleaseMemObject(my);
    free(aff);
    return st;
}

static clvis_status sample_adj_dev(float *gx, const float *gy, const lucid_affine *a, int B,
                                   int Hs, int Ws, int Ho, int Wo, float gain,
                                   const lucid_chanmap *cm)
{
    size_t nx = (size_t)B * 3 * Hs * Ws, ny = (size_t)B * 3 * Ho * Wo;
    float *aff = malloc((size_t)B * 12 * 4);
    for (int b = 0; b < B; b++) {
        memcpy(aff + b * 6, a[b].a, 24);
        memcpy(aff + (B + b) * 6, a[b].inv, 24);
    }
    cl_mem mg = dev(NULL, ny + 3), ma = dev(aff, (size_t)B * 12), mx = dev(NULL, nx);
    buffer_write(ctx, mg, 3 * sizeof(float), ny * sizeof(float), gy);
    tensor tg = {mg, 3, B, 3, Ho, Wo};
    clvis_status st = lucid_sample_adjoint(ctx, mx, tg, ma, B, Hs, Ws, gain, cm);
    get(mx, gx, nx);
    clReleaseMemObject(mx);
    clReleaseMemObject(ma);
    clReleaseMemObject(mg);
    free(aff);
    return st;
}

/* One transform alone against direct indexing of the source. */
static void test_one_transform(const char *what, lucid_affine a, int S, int (*src_of)(int, int,
                               int, double *, double *))
{
    lucid_rng r;
    lucid_rng_seed(&r, 4);
    size_t n = (size_t)3 * S * S;
    float *x = malloc(n * 4), *y = malloc(n * 4);
    double *want = malloc(n * sizeof *want);
    randu(&r, x, n, 0, 1);
    lucid_chanmap cm = chan_identity();
    clvis_status st = sample_dev(y, x, &a, 1, S, S, S, S, &cm);
    for (int c = 0; c < 3; c++)
        for (int oy = 0; oy < S; oy++)
            for (int ox = 0; ox < S; ox++) {
                double sx, sy;
                src_of(ox, oy, S, &sx, &sy);
                int qx = (int)lround(sx), qy = (int)lround(sy);
                /* every case here lands on whole pixels */
                int in = qx >= 0 && qx < S && qy >= 0 && qy < S;
                want[((size_t)c * S + oy) * S + ox] = in ? x[((size_t)c * S + qy) * S + qx] : 0.5;
            }
    char l[160];
    snprintf(l, sizeof l, "transform %s: device resampler vs direct indexing", what);
    test_compare_fd(l, st ? x : y, want, n, 1e-5);
    free(x);
    free(y);
    free(want);
}

static int src_jitter(int ox, int oy, int S, double *sx, double *sy)
{
    (void)S;
    *sx = ox + 3 - 1; /* j1 = (3, -2), j2 = (-1, 2) */
    *sy = oy - 2 + 2;
    return 0;
}

static int src_rot90(int ox, int oy, int S, double *sx, double *sy)
{
    double c = (S - 1) / 2.0; /* s = R(-90) (o - c) + c */
    double ux = ox - c, uy = oy - c;
    *sx = uy + c;
    *sy = -ux + c;
    return 0;
}

static int src_scale2(int ox, int oy, int S, double *sx, double *sy)
{
    double c = (S - 1) / 2.0; /* scale 0.5: every second source pixel, about the centre */
    *sx = (ox - c) * 2 + c;
    *sy = (oy - c) * 2 + c;
    return 0;
}

static int src_pad(int ox, int oy, int S, double *sx, double *sy)
{
    (void)S; /* a jitter of 12 past the edge: Lucid's constant 0.5 padding comes in */
    *sx = ox + 12;
    *sy = oy;
    return 0;
}

static void test_transforms(void)
{
    const int S = 9;
    test_one_transform("jitter (3,-2) then (-1,2)", lucid_affine_make(S, S, S, S, 3, -2, 1, 0, -1, 2),
                       S, src_jitter);
    test_one_transform("rotate 90 degrees", lucid_affine_make(S, S, S, S, 0, 0, 1, 90, 0, 0), S,
                       src_rot90);
    test_one_transform("scale 0.5", lucid_affine_make(S, S, S, S, 0, 0, 0.5f, 0, 0, 0), S,
                       src_scale2);
    test_one_transform("pad 12 (constant 0.5)", lucid_affine_make(S, S, S, S, 12, 0, 1, 0, 0, 0), S,
                       src_pad);
    /* the inverse map really inverts */
    lucid_affine f = lucid_affine_make(20, 20, 16, 16, 2, -3, 0.9f, 7, 1, -1);
    double ox = 5, oy = 11, sx = f.a[0] * ox + f.a[1] * oy + f.a[4],
           sy = f.a[2] * ox + f.a[3] * oy + f.a[5];
    double bx = f.inv[0] * sx + f.inv[1] * sy + f.inv[4], by = f.inv[2] * sx + f.inv[3] * sy + f.inv[5];
    test_checkf(fabs(bx - ox) < 1e-4 && fabs(by - oy) < 1e-4,
                "affine inverse: (5, 11) -> (%.3f, %.3f) -> (%.5f, %.5f)", sx, sy, bx, by);
    /* the draws: Lucid's ranges, reproducible from the seed */
    lucid_rng r1, r2;
    lucid_rng_seed(&r1, 7);
    lucid_rng_seed(&r2, 7);
    int same = 1, in_range = 1;
    for (int i = 0; i < 200; i++) {
        lucid_affine a = lucid_affine_draw(&r1, 1, 32, 32, 32, 32);
        lucid_affine b = lucid_affine_draw(&r2, 1, 32, 32, 32, 32);
        same &= !memcmp(&a, &b, sizeof a);
        double sc = 1.0 / sqrt(a.a[0] * a.a[0] + a.a[1] * a.a[1]);
        in_range &= sc > 0.899 && sc < 1.101;
    }
    test_checkf(same && in_range, "transform draws: seeded, scales within [0.9, 1.1]");

    /* the composed random transforms, B items: device vs C reference, forward and adjoint, the
     * adjoint identity, finite differences; with a preprocessing channel map (BGR, affine) */
    const int B = 3, Hs = 14, Ws = 14, Ho = 12, Wo = 12;
    size_t nx = (size_t)B * 3 * Hs * Ws, ny = (size_t)B * 3 * Ho * Wo;
    lucid_affine a[3];
    lucid_rng r;
    lucid_rng_seed(&r, 9);
    for (int b = 0; b < B; b++)
        a[b] = lucid_affine_draw(&r, 1, Hs, Ws, Ho, Wo);
    lucid_chanmap cm = {{2, 1, 0}, {2.0f, -0.5f, 1.5f}, {0.1f, 0.2f, -0.3f}};
    float *x = malloc(nx * 4), *y = malloc(ny * 4), *yr = malloc(ny * 4), *g = malloc(ny * 4);
    float *gx = malloc(nx * 4), *gxr = malloc(nx * 4);
    double *w = malloc(nx * sizeof *w + ny * sizeof *w);
    randu(&r, x, nx, 0, 1);
    randu(&r, g, ny, -1, 1);
    clvis_status st = sample_dev(y, x, a, B, Hs, Ws, Ho, Wo, &cm);
    lucid_sample_ref(yr, x, a, B, Hs, Ws, Ho, Wo, &cm);
    dcopy(w, yr, ny);
    test_compare_fd("standard transforms x3 items: device vs C reference", st ? g : y, w, ny, 1e-5);
    st = sample_adj_dev(gx, g, a, B, Hs, Ws, Ho, Wo, -1.0f, &cm);
    lucid_sample_adj_ref(gxr, g, a, B, Hs, Ws, Ho, Wo, -1.0f, &cm);
    dcopy(w, gxr, nx);
    test_compare_fd("standard transforms adjoint (gather) vs C reference (scatter)", st ? x : gx, w,
                    nx, 1e-5);
    /* <S x, g> - <add, g> = -<x, S^T g> (gain -1) */
    double lhs = dot(yr, g, ny), off = 0;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < Ho * Wo; p++)
                off += (double)cm.add[c] * g[((size_t)b * 3 + c) * Ho * Wo + p];
    /* the constant fill is affine too: remove it with a zero image */
    float *z = calloc(nx, 4), *y0 = malloc(ny * 4);
    lucid_sample_ref(y0, z, a, B, Hs, Ws, Ho, Wo, &cm);
    double lin = lhs - dot(y0, g, ny), rhs = -dot(x, gx, nx);
    (void)off;
    test_checkf(fabs(lin - rhs) < 1e-4 * (fabs(lin) + 1),
                "transforms adjoint identity: <S x - S 0, g> = %.7g, <x, S^T g> = %.7g", lin, rhs);
    for (size_t i = 0; i < nx; i++) {
        float keep = x[i];
        x[i] = keep + 1e-2f;
        lucid_sample_ref(yr, x, a, B, Hs, Ws, Ho, Wo, &cm);
        double fp = dot(g, yr, ny);
        x[i] = keep - 1e-2f;
        lucid_sample_ref(yr, x, a, B, Hs, Ws, Ho, Wo, &cm);
        double fm = dot(g, yr, ny);
        x[i] = keep;
        w[i] = -(fp - fm) / 2e-2;
    }
    test_compare_fd("transforms backward (device) vs finite differences", gx, w, nx, 1e-3);
    free(x);
    free(y);
    free(yr);
    free(g);
    free(gx);
    free(gxr);
    free(w);
    free(z);
    free(y0);
}

/* ---- regularisers ---------------------------------------------------------------------------- */
static void test_reg(void)
{
    const int B = 2, H = 7, W = 6;
    size_t n = (size_t)B * 3 * H * W;
    lucid_rng r;
    lucid_rng_seed(&r, 11);
    float *x = malloc(n * 4), *g = malloc(n * 4), *gr = malloc(n * 4);
    double *fd = malloc(n * sizeof *fd);
    /* values on a grid of 0.05 plus a small offset per pixel: differences stay away from the
     * kinks of |.| by far more than the finite-difference step */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.05 * (lucid_rng_u32(&r) % 21) + 0.003 * (double)(i % 7) / 7.0 + 0.0011);
    const lucid_reg cases[] = {{1.0f, 0, 0}, {0, 1.0f, 0}, {0, 0, 1.0f}, {0.3f, 0.2f, 2.0f}};
    const char *names[] = {"L1", "total variation", "blur", "L1 + TV + blur (weighted)"};
    for (int c = 0; c < 4; c++) {
        for (size_t i = 0; i < n; i++)
            g[i] = 0.25f; /* accumulates onto what is there */
        cl_mem mx = dev(x, n), mg = dev(g, n);
        clvis_status st = lucid_reg_gradient(ctx, mg, mx, B, H, W, &cases[c]);
        get(mg, g, n);
        for (size_t i = 0; i < n; i++)
            gr[i] = 0.25f;
        lucid_reg_ref(gr, x, NULL, B, H, W, &cases[c]);
        double *w = fd;
        dcopy(w, gr, n);
        char l[160];
        snprintf(l, sizeof l, "%s gradient: device vs C (accumulating)", names[c]);
        test_compare_fd(l, st ? x : g, w, n, 1e-5);
        float *frozen = malloc(n * 4);
        memcpy(frozen, x, n * 4);
        for (size_t i = 0; i < n; i++) {
            float keep = x[i];
            x[i] = keep + 2e-4f;
            double fp = lucid_reg_ref(NULL, x, frozen, B, H, W, &cases[c]);
            x[i] = keep - 2e-4f;
            double fm = lucid_reg_ref(NULL, x, frozen, B, H, W, &cases[c]);
            x[i] = keep;
            fd[i] = (fp - fm) / 4e-4 + 0.25;
        }
        snprintf(l, sizeof l, "%s gradient vs finite differences%s", names[c],
                 cases[c].blur ? " (blur(x) held, Lucid's stop_gradient)" : "");
        test_compare_fd(l, gr, fd, n, 2e-3);
        free(frozen);
        clReleaseMemObject(mx);
        clReleaseMemObject(mg);
    }
    free(x);
    free(g);
    free(gr);
    free(fd);
}

/* ---- optimisers ---------------------------------------------------------------------------- */
static void test_optim(void)
{
    const int n = 37;
    float p[37], g[37], q[37];
    double pd[37], m[37] = {0}, v[37] = {0};
    lucid_rng r;
    lucid_rng_seed(&r, 12);
    randu(&r, p, n, -1, 1);
    dcopy(pd, p, n);
    cl_mem mp = dev(p, n), mg = dev(NULL, n), mm = dev(NULL, n), mv = dev(NULL, n);
    float zero[37] = {0};
    buffer_write(ctx, mm, 0, sizeof zero, zero);
    buffer_write(ctx, mv, 0, sizeof zero, zero);
    lucid_adam a;
    lucid_adam_init(&a, 0.05f);
    clvis_status st = CLVIS_OK;
    for (int t = 1; t <= 4 && !st; t++) {
        randu(&r, g, n, -1, 1);
        buffer_write(ctx, mg, 0, sizeof g, g);
        st = lucid_adam_step(ctx, &a, mp, mg, mm, mv, n);
        for (int i = 0; i < n; i++) { /* Kingma and Ba, Algorithm 1 */
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * (double)g[i] * g[i];
            double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
            pd[i] -= 0.05 * mh / (sqrt(vh) + 1e-8 / sqrt(1 - pow(0.999, t))); /* TF: eps on sqrt(v) */
        }
    }
    get(mp, q, n);
    test_compare_fd("Adam (lr 0.05) 4 steps: device vs Kingma-Ba in double", st ? g : q, pd, n,
                    1e-5);
    /* the book's RMS step: p -= lr g / (rms(g) + 1e-5) per item */
    buffer_write(ctx, mp, 0, sizeof p, p);
    buffer_write(ctx, mg, 0, sizeof g, g);
    cl_mem ss = dev(NULL, 1);
    st = lucid_rms_step(ctx, mp, mg, ss, 1, n, 0.5f);
    get(mp, q, n);
    double s2 = 0;
    for (int i = 0; i < n; i++)
        s2 += (double)g[i] * g[i];
    for (int i = 0; i < n; i++)
        pd[i] = p[i] - 0.5 * g[i] / (sqrt(s2 / n) + 1e-5);
    test_compare_fd("RMS-normalised step: device vs C", st ? g : q, pd, n, 1e-5);
    clReleaseMemObject(mp);
    clReleaseMemObject(mg);
    clReleaseMemObject(mm);
    clReleaseMemObject(mv);
    clReleaseMemObject(ss);
}

/* ---- the readability measure ----------------------------------------------------------------- */
static void test_measure(void)
{
    const int S = 32;
    unsigned char *a = malloc((size_t)S * S * 3), *b = malloc((size_t)S * S * 3);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            for (int c = 0; c < 3; c++) {
                a[(y * S + x) * 3 + c] = ((x + y) & 1) ? 255 : 0;                     /* checkers */
                b[(y * S + x) * 3 + c] = (unsigned char)(128 + 100 * sin(2 * M_PI * x / S)); /* smooth */
            }
    double ha = clvis_high_frequency_share(a, 1, S), hb = clvis_high_frequency_share(b, 1, S);
    test_checkf(ha > 0.99 && hb < 0.01, "high-frequency share: checkerboard %.4f, one slow sine %.4f",
                ha, hb);
    free(a);
    free(b);
}

/* ---- the pipeline ---------------------------------------------------------------------------- */
static int rises(const float *obj, int n, int steps, double *first, double *last)
{
    int ok = 1;
    *first = *last = 0;
    for (int k = 0; k < n; k++) {
        double a = obj[(size_t)k * steps], b = 0;
        for (int s = steps - 5; s < steps; s++)
            b += obj[(size_t)k * steps + s] / 5.0;
        ok &= isfinite(a) && isfinite(b) && b > a + 1e-3 * (fabs(a) + 1);
        *first += a / n;
        *last += b / n;
    }
    return ok;
}

static void test_pipeline(void)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m);
    test_check("small_convnet.h5 loads", st == CLVIS_OK, st ? clvis_last_error() : "");
    if (st)
        return;
    int layer = -1, dense = -1;
    clvis_model_find_layer(m, "conv2d_1", &layer);
    clvis_model_find_layer(m, "dense_1", &dense);
    const int S = 64, n = 3, steps = test_quick() ? 8 : 24;
    int units[3] = {0, 6, 9}; /* unit 5 is dead on a grey start: no gradient to climb */
    size_t item = (size_t)S * S * 3;
    unsigned char *p1 = malloc(n * item), *p2 = malloc(n * item), *p3 = malloc(n * item);
    float *obj = malloc((size_t)n * steps * sizeof *obj);
    clvis_lucid_options o;
    clvis_lucid_options_default(&o);
    test_checkf(o.steps == 256 && fabs(o.lr - 0.05f) < 1e-9 && o.param == CLVIS_LUCID_FFT &&
                    o.decorrelate && o.transforms && o.optimizer == CLVIS_LUCID_ADAM,
                "lucid defaults: 256 steps, Adam lr 0.05, fft, decorrelated, transforms");
    o.steps = steps;
    o.seed = 3;
    double a, b;
    int ok;
    st = clvis_lucid_patterns(m, layer, units, n, &o, p1, NULL, obj, NULL, NULL);
    ok = !st && rises(obj, n, steps, &a, &b);
    test_checkf(ok,
                "channel objective (fft, decorrelated, transforms, Adam) rises on every item: "
                "%.4f -> %.4f %s", a, b, st ? clvis_last_error() : "");
    st = clvis_lucid_patterns(m, layer, units, n, &o, p2, NULL, NULL, NULL, NULL);
    test_check("seeded: the same run twice gives the same bytes",
               !st && !memcmp(p1, p2, n * item), st ? clvis_last_error() : "");
    o.chunk = 1;
    st = clvis_lucid_patterns(m, layer, units, n, &o, p3, NULL, NULL, NULL, NULL);
    if (st)
        test_fail("chunk 1", clvis_last_error());
    else
        test_compare_u8("one item per batch = three per batch (the batch does not change an item)",
                        p3, p1, n * item, 1, 0.001);
    o.chunk = 0;
    o.seed = 4;
    st = clvis_lucid_patterns(m, layer, units, n, &o, p2, NULL, NULL, NULL, NULL);
    test_check("another seed gives another picture", !st && memcmp(p1, p2, n * item), NULL);
    o.objective = CLVIS_LUCID_NEURON;
    st = clvis_lucid_patterns(m, layer, units, n, &o, p2, NULL, obj, NULL, NULL);
    ok = !st && rises(obj, n, steps, &a, &b);
    test_checkf(ok, "neuron objective (centre) rises: %.4f -> %.4f",
                a, b);
    o.objective = CLVIS_LUCID_CHANNEL;
    o.param = CLVIS_LUCID_PIXEL;
    o.decorrelate = 0;
    o.optimizer = CLVIS_LUCID_RMS;
    o.lr = 0.05f;
    o.l1 = 0.01f;
    o.tv = 0.001f;
    o.blur = 0.1f;
    st = clvis_lucid_patterns(m, layer, units, n, &o, p2, NULL, obj, NULL, NULL);
    ok = !st && rises(obj, n, steps, &a, &b);
    test_checkf(ok,
                "pixel parametrisation, RMS ascent, regularisers: the objective rises: %.4f -> %.4f",
                a, b);
    /* direction: a one-hot direction is the channel objective, exactly */
    clvis_lucid_options_default(&o);
    o.steps = steps;
    o.seed = 3;
    float dirv[32] = {0};
    dirv[units[0]] = 1.0f;
    o.objective = CLVIS_LUCID_DIRECTION;
    o.direction = dirv;
    o.direction_n = 32;
    int any = 999; /* not a channel: the direction objective does not read the units */
    st = clvis_lucid_patterns(m, layer, &any, 1, &o, p2, NULL, NULL, NULL, NULL);
    test_check("direction one-hot on channel 0 = the channel objective on unit 0 (same bytes)",
               !st && !memcmp(p2, p1, item), st ? clvis_last_error() : "");
    for (int c = 0; c < 32; c++)
        dirv[c] = (float)((c * 7) % 5 - 2) * 0.3f;
    st = clvis_lucid_patterns(m, layer, units, 2, &o, p2, NULL, obj, NULL, NULL);
    ok = !st && rises(obj, 2, steps, &a, &b);
    test_checkf(ok, "direction objective (mixed weights) rises: %.4f -> %.4f", a, b);
    o.direction_n = 31;
    test_expect_error("direction of the wrong length",
                      clvis_lucid_patterns(m, layer, units, 1, &o, p2, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    clvis_lucid_options_default(&o);
    o.steps = steps;
    o.objective = CLVIS_LUCID_CLASS;
    int cls = 0;
    float *img = malloc(item * sizeof *img);
    st = clvis_lucid_patterns(m, dense, &cls, 1, &o, p2, img, obj, NULL, NULL);
    double lo = 1, hi = 0;
    for (size_t i = 0; i < item; i++)
        lo = fmin(lo, img[i]), hi = fmax(hi, img[i]);
    ok = !st && rises(obj, 1, steps, &a, &b);
    test_checkf(ok && lo >= 0 && hi <= 1,
                "class objective (the sigmoid output's logit) rises: p %.4f -> %.4f; the image "
                "is in [0, 1] ([%.3f, %.3f])", a, b, lo, hi);
    free(img);
    test_expect_error("class objective on a spatial layer",
                      clvis_lucid_patterns(m, layer, units, 1, &o, p2, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.objective = CLVIS_LUCID_CHANNEL;
    units[0] = 32;
    test_expect_error("unit out of range",
                      clvis_lucid_patterns(m, layer, units, 1, &o, p2, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.steps = -1;
    units[0] = 0;
    test_expect_error("negative steps",
                      clvis_lucid_patterns(m, layer, units, 1, &o, p2, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    clvis_model_destroy(m);
    free(p1);
    free(p2);
    free(p3);
    free(obj);
}

/* Readability on the bundled MobileNetV2, layer Conv1 at a fast size: the book's ascent (its
 * 40 steps, with the model's preprocessing) against --style lucid's defaults. */
static void test_readability(void)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, TEST_ROOT "/models/mobilenet_v2.h5", NULL, &m);
    test_check("models/mobilenet_v2.h5 loads", st == CLVIS_OK, st ? clvis_last_error() : "");
    if (st)
        return;
    const int S = test_quick() ? 32 : 64, n = 8;
    int layer = -1, units[8];
    for (int i = 0; i < n; i++)
        units[i] = i;
    st = clvis_model_find_layer(m, "Conv1", &layer);
    if (!st)
        st = clvis_model_set_input_size(m, S, S);
    unsigned char *pb = malloc((size_t)n * S * S * 3), *pl = malloc((size_t)n * S * S * 3);
    clvis_filter_options fo;
    clvis_filter_options_default(&fo);
    fo.preprocess = CLVIS_PREPROCESS_TF;
    if (!st)
        st = clvis_filter_patterns(m, layer, units, n, NULL, &fo, NULL, pb, NULL, NULL, NULL);
    clvis_lucid_options o;
    clvis_lucid_options_default(&o);
    o.steps = test_quick() ? 16 : 64;
    if (!st)
        st = clvis_lucid_patterns(m, layer, units, n, &o, pl, NULL, NULL, NULL, NULL);
    double hb = st ? -1 : clvis_high_frequency_share(pb, n, S);
    double hl = st ? -1 : clvis_high_frequency_share(pl, n, S);
    test_checkf(!st && hl >= 0 && hl < 0.5 * hb,
                "MobileNetV2 Conv1 %dx%d, 8 filters: energy above half Nyquist, book %.3f, lucid "
                "%.3f (%d steps; lucid must be under half the book's) %s", S, S, hb, hl, o.steps,
                st ? clvis_last_error() : "");
    free(pb);
    free(pl);
    clvis_model_destroy(m);
}

int main(void)
{
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    test_fft(2, 8, 12);
    test_fft(1, 7, 9);
    test_fft(1, 6, 5);
    test_color();
    test_param_gradient();
    test_transforms();
    test_reg();
    test_optim();
    test_measure();
    test_pipeline();
    test_readability();
    clvis_ctx_destroy(ctx);
    return test_summary();
}
