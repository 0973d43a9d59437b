/* ref_ops.h — plain-C reference of every op in double precision (NCHW), the oracle of the
 * device kernels and of the finite-difference gradient checks. */
#ifndef CLVIS_REF_OPS_H
#define CLVIS_REF_OPS_H

typedef struct {
    int n, c, h, w;
} rshape;

typedef struct {
    int oc, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, groups;
} rconv;

/* y: (n, oc, oh, ow); w: OIHW; b may be NULL. */
void ref_conv2d(double *y, const double *x, rshape xs, const double *w, const double *b,
                const rconv *p, int oh, int ow);
/* w: (in, out). */
void ref_dense(double *y, const double *x, int n, int in, int out, const double *w,
               const double *b);
/* act codes as act_kind: 0 linear, 1 relu (max_value if > 0), 2 sigmoid, 3 tanh, 4 softmax over
 * channels. */
void ref_act(double *y, const double *x, rshape s, int act, double act_max);
/* Every act code with parameters p0, p1 (ops.h's act_kind): 5 leaky (alpha), 6 hard sigmoid
 * (alpha, beta), 7 hard swish, 8 clip (min, max), 9 elu (alpha), 10 log-softmax over channels,
 * 11 softplus; 0-4 as ref_act (p0 = max_value). */
void ref_act_p(double *y, const double *x, rshape s, int act, double p0, double p1);
void ref_pool(double *y, const double *x, rshape xs, int is_max, int kh, int kw, int sh, int sw,
              int pt, int pl, int oh, int ow);
/* Pools with dilation and a given output size (ceil_mode's windows may overhang the end pads):
 * max over the in-bounds taps; average over them divided by the in-bounds taps, or with
 * include_pad by the taps inside [-pt, h + pb) x [-pl, w + pr). */
typedef struct {
    int kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, include_pad;
} rpool;
void ref_pool2(double *y, const double *x, rshape xs, int is_max, const rpool *p, int oh, int ow);
void ref_gpool(double *y, const double *x, rshape xs, int is_max);
void ref_zeropad(double *y, const double *x, rshape xs, int t, int b, int l, int r);
void ref_scale_shift(double *y, const double *x, rshape xs, const double *scale,
                     const double *shift);
/* Elementwise a (op) b into y of shape ys; op as bin_op (0 add, 1 sub, 2 mul, 3 div); a and b
 * each of ys's shape, (c, 1, 1) or (1, 1, 1) per item. */
void ref_binary(double *y, rshape ys, int op, const double *a, rshape as, const double *b,
                rshape bs);
/* PRelu with one slope per channel. */
void ref_prelu(double *y, const double *x, rshape xs, const double *slope);
/* Keras (NHWC-order) reshape from xs to ys on NCHW storage. */
void ref_reshape(double *y, const double *x, rshape xs, rshape ys);

/* The book's gradient-ascent step (kernels/ascent.cl) on nb items of nc x hw in double:
 * pixel-space gradient t = g[b][c] * scale[c] written to pixel channel src[c], norm[b] =
 * sqrt(mean(t^2)) + 1e-5, x[b] += t / norm[b] * step. */
void ref_ascent_step(double *x, double *norm, const double *g, int nb, int nc, int hw,
                     const int *src, const double *scale, double step);

#endif
