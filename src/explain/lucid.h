/* lucid.h — the pieces of feature visualisation as Lucid does it (lucid.optvis), each a device
 * op with its adjoint and a plain-C reference (tests/test_lucid.c checks one against the other
 * and every adjoint against finite differences). Tensors NCHW, 3 channels, B items. */
#ifndef CLVIS_EXPLAIN_LUCID_H
#define CLVIS_EXPLAIN_LUCID_H

#include <stdint.h>

#include "graph/engine_dev.h"

/* ---- lucid_fft.c: lucid.optvis.param.spatial.fft_image ------------------------------------------
 * Spectrum per item: real plane [3][H][K] then imaginary plane [3][H][K], K = W / 2 + 1 (Lucid's
 * (2, ch, h, w/2+1)); image = irfft2(spectrum * scale) / 4 with numpy's irfft2 and Lucid's
 * scale 1 / max(|f|, 1 / max(H, W)) * sqrt(H * W) (decay_power 1). */
static inline size_t lucid_spectrum_floats(int H, int W)
{
    return (size_t)6 * H * (W / 2 + 1);
}
float lucid_fft_scale(int j, int k, int H, int W);
/* The device tables the kernels read (twiddles of H and W, the scale per frequency): a new
 * buffer in *out, made once per size. */
clvis_status lucid_fft_tables(clvis_ctx *ctx, int H, int W, cl_mem *out);
/* Device: x (B*3*H*W) from spec; z is a work buffer of lucid_spectrum_floats per item. */
clvis_status lucid_irfft(clvis_ctx *ctx, cl_mem x, cl_mem spec, cl_mem z, cl_mem tw, int B, int H,
                         int W);
/* Device adjoint: gspec from gx. */
clvis_status lucid_irfft_adj(clvis_ctx *ctx, cl_mem gspec, cl_mem gx, cl_mem z, cl_mem tw, int B,
                             int H, int W);
/* C references: a direct double-precision 2-D DFT, and its adjoint. */
void lucid_irfft_ref(float *x, const float *spec, int B, int H, int W);
void lucid_irfft_adj_ref(float *gspec, const float *gx, int B, int H, int W);

/* ---- lucid_color.c: lucid.optvis.param.color.to_valid_rgb ---------------------------------------
 * Lucid's color_correlation_svd_sqrt divided by the largest norm of its columns; img = sigmoid(M t)
 * (M the identity without decorrelation). */
void lucid_color_matrix(int decorrelate, float m[9]);
/* The inverse of a 3x3 matrix (0 when singular). */
int lucid_mat3_inverse(const float m[9], float inv[9]);
clvis_status lucid_rgb_forward(clvis_ctx *ctx, cl_mem img, cl_mem t, int B, int HW,
                               const float m[9]);
clvis_status lucid_rgb_backward(clvis_ctx *ctx, cl_mem gt, cl_mem gimg, cl_mem img, int B,
                                int HW, const float m[9]);
void lucid_rgb_ref(float *img, const float *t, int B, int HW, const float m[9]);
void lucid_rgb_adj_ref(float *gt, const float *gimg, const float *img, int B, int HW,
                       const float m[9]);

/* ---- lucid_transform.c: lucid.optvis.transform.standard_transforms ------------------------------
 * pad(12, constant 0.5), jitter(8), random_scale(1 + (i-5)/50, i < 11), random_rotate(-10..10
 * degrees), jitter(4), composed into one affine map per item: output pixel o (Ho x Wo) samples
 * the source (Hs x Ws) at A o + t, bilinear, 0.5 outside. The output canvas stays the model's
 * input size (Lucid's grows with the padding and the scale). */
typedef struct {
    float a[6];   /* a00 a01 a10 a11 tx ty: source = A (x, y) + t */
    float inv[6]; /* output = Ainv source + u */
} lucid_affine;
typedef struct {
    uint64_t s;
} lucid_rng;
void lucid_rng_seed(lucid_rng *r, uint64_t seed);
uint32_t lucid_rng_u32(lucid_rng *r);
double lucid_rng_uniform(lucid_rng *r);            /* [0, 1) */
double lucid_rng_normal(lucid_rng *r);             /* N(0, 1), Box-Muller */
/* An affine map from its parts: jitter j1 (pixels, before scaling), scale, angle (degrees),
 * jitter j2 (after), centred on both canvases. */
lucid_affine lucid_affine_make(int Hs, int Ws, int Ho, int Wo, float j1x, float j1y, float scale,
                               float angle_deg, float j2x, float j2y);
/* One draw of the standard transforms (or the identity when !on). */
lucid_affine lucid_affine_draw(lucid_rng *r, int on, int Hs, int Ws, int Ho, int Wo);
/* Model channel c = sample(source channel src[c]) * mul[c] + add[c]. */
typedef struct {
    int src[3];
    float mul[3], add[3];
} lucid_chanmap;
/* The channel map of a model's preprocessing of pixels 0..255 (lucid.c; dream.c shares it). */
void lucid_chanmap_for(clvis_preprocess mode, lucid_chanmap *cm);
clvis_status lucid_sample_forward(clvis_ctx *ctx, tensor y, cl_mem x, cl_mem aff, int B, int Hs,
                                  int Ws, const lucid_chanmap *cm);
/* gx = gain * adjoint(gy); aff holds both halves (a, inv) of each item's lucid_affine, packed
 * as B a's then B inv's. */
clvis_status lucid_sample_adjoint(clvis_ctx *ctx, cl_mem gx, tensor gy, cl_mem aff, int B, int Hs,
                                  int Ws, float gain, const lucid_chanmap *cm);
void lucid_sample_ref(float *y, const float *x, const lucid_affine *aff, int B, int Hs, int Ws,
                      int Ho, int Wo, const lucid_chanmap *cm);
void lucid_sample_adj_ref(float *gx, const float *gy, const lucid_affine *aff, int B, int Hs,
                          int Ws, int Ho, int Wo, float gain, const lucid_chanmap *cm);

/* ---- lucid_reg.c: L1 (about 0.5), total variation, blur penalty on the image -------------------- */
typedef struct {
    float l1, tv, blur;
} lucid_reg;
/* g += the weighted regularisers' gradient at x (B*3*H*W). */
clvis_status lucid_reg_gradient(clvis_ctx *ctx, cl_mem g, cl_mem x, int B, int H, int W,
                                const lucid_reg *r);
/* The value, and (g != NULL) g += its gradient; blur's target blur(x) is taken from `frozen`
 * (NULL: x itself), Lucid's stop_gradient. */
double lucid_reg_ref(float *g, const float *x, const float *frozen, int B, int H, int W,
                     const lucid_reg *r);

/* ---- lucid_optim.c: Adam (TensorFlow's, lr 0.05 in Lucid) and the book's RMS step ------------------ */
typedef struct {
    float lr, b1, b2, eps;
    int t;     /* steps taken */
    int torch; /* 1: eps added to sqrt(v / (1 - b2^t)) (PyTorch), 0: to sqrt(v) (TensorFlow) */
} lucid_adam;
void lucid_adam_init(lucid_adam *a, float lr);
/* PyTorch's Adam (torch.optim.Adam, Lucent's): eps joins the bias-corrected sqrt(v). */
void lucid_adam_init_torch(lucid_adam *a, float lr);
/* p -= Adam(g) (descent); m, v: n floats of state, zero at the start. */
clvis_status lucid_adam_step(clvis_ctx *ctx, lucid_adam *a, cl_mem p, cl_mem g, cl_mem m,
                             cl_mem v, int n);
/* p -= lr * g / (rms(g of each item) + 1e-5); ss: B floats of work space. */
clvis_status lucid_rms_step(clvis_ctx *ctx, cl_mem p, cl_mem g, cl_mem ss, int B, int per,
                            float lr);

/* ---- lucid_diversity.c: lucid.optvis.objectives.diversity across one batch ------------------------
 * div = -1/(n(n-1)) sum_{i != j} cos(Gram_i, Gram_j) of the activations a (NCHW, items 0..n-1
 * of its batch). Floats of the work buffer for n items of C channels: */
size_t lucid_diversity_floats(int n, int C);
typedef struct {
    cl_mem G, U, D; /* the Gram matrices (n*C*C), their gradients, their dot products (n*n) */
} lucid_div_work;
clvis_status lucid_diversity_alloc(clvis_ctx *ctx, lucid_div_work *w, int n, int C);
void lucid_diversity_free(lucid_div_work *w);
/* seed (a's shape) += w * d(div)/d(a) on the device; value (optional) gets div (a read of n*n
 * floats). n < 2: nothing, div 0. */
clvis_status lucid_diversity_seed(clvis_ctx *ctx, cl_mem seed, tensor a, int n, float w,
                                  const lucid_div_work *work, double *value);
/* C reference in double: returns div; grad (optional, n*C*P) += w * d(div)/d(A). */
double lucid_diversity_ref(float *grad, const float *A, int n, int C, int P, float w);

#endif
