/* ref_ops.c — the naive, obviously-correct double-precision twin of the kernels/ directory. */
#include "ref_ops.h"

#include <math.h>
#include <stddef.h>

#define AT(t, s, n_, c_, h_, w_) (t)[(((size_t)(n_) * (s).c + (c_)) * (s).h + (h_)) * (s).w + (w_)]

void ref_conv2d(double *y, const double *x, rshape xs, const double *w, const double *b,
                const rconv *p, int oh, int ow)
{
    rshape ys = {xs.n, p->oc, oh, ow};
    int cpg = xs.c / p->groups, ocpg = p->oc / p->groups;
    for (int n = 0; n < xs.n; n++)
        for (int o = 0; o < p->oc; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double acc = b ? b[o] : 0.0;
                    int g = o / ocpg;
                    for (int ci = 0; ci < cpg; ci++)
                        for (int kh = 0; kh < p->kh; kh++)
                            for (int kw = 0; kw < p->kw; kw++) {
                                int ih = i * p->sh - p->pt + kh * p->dh;
                                int iw = j * p->sw - p->pl + kw * p->dw;
                                if (ih < 0 || ih >= xs.h || iw < 0 || iw >= xs.w)
                                    continue;
                                acc += AT(x, xs, n, g * cpg + ci, ih, iw) *
                                       w[(((size_t)o * cpg + ci) * p->kh + kh) * p->kw + kw];
                            }
                    AT(y, ys, n, o, i, j) = acc;
                }
}

void ref_dense(double *y, const double *x, int n, int in, int out, const double *w,
               const double *b)
{
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++) {
            double acc = b ? b[o] : 0.0;
            for (int k = 0; k < in; k++)
                acc += x[(size_t)r * in + k] * w[(size_t)k * out + o];
            y[(size_t)r * out + o] = acc;
        }
}

void ref_act(double *y, const double *x, rshape s, int act, double act_max)
{
    size_t hw = (size_t)s.h * s.w, count = (size_t)s.n * s.c * hw;
    if (act == 4) {
        for (int n = 0; n < s.n; n++)
            for (size_t p = 0; p < hw; p++) {
                double mx = -INFINITY, sum = 0.0;
                for (int c = 0; c < s.c; c++)
                    mx = fmax(mx, x[((size_t)n * s.c + c) * hw + p]);
                for (int c = 0; c < s.c; c++)
                    sum += exp(x[((size_t)n * s.c + c) * hw + p] - mx);
                for (int c = 0; c < s.c; c++)
                    y[((size_t)n * s.c + c) * hw + p] =
                        exp(x[((size_t)n * s.c + c) * hw + p] - mx) / sum;
            }
        return;
    }
    for (size_t i = 0; i < count; i++) {
        double v = x[i];
        if (act == 1) {
            v = v > 0 ? v : 0;
            if (act_max > 0 && v > act_max)
                v = act_max;
        } else if (act == 2) {
            v = 1.0 / (1.0 + exp(-v));
        } else if (act == 3) {
            v = tanh(v);
        }
        y[i] = v;
    }
}

void ref_act_p(double *y, const double *x, rshape s, int act, double p0, double p1)
{
    size_t hw = (size_t)s.h * s.w, count = (size_t)s.n * s.c * hw;
    if (act <= 4) {
        ref_act(y, x, s, act, p0);
        return;
    }
    if (act == 10) {
        for (int n = 0; n < s.n; n++)
            for (size_t p = 0; p < hw; p++) {
                double mx = -INFINITY, sum = 0.0;
                for (int c = 0; c < s.c; c++)
                    mx = fmax(mx, x[((size_t)n * s.c + c) * hw + p]);
                for (int c = 0; c < s.c; c++)
                    sum += exp(x[((size_t)n * s.c + c) * hw + p] - mx);
                for (int c = 0; c < s.c; c++)
                    y[((size_t)n * s.c + c) * hw + p] =
                        x[((size_t)n * s.c + c) * hw + p] - mx - log(sum);
            }
        return;
    }
    for (size_t i = 0; i < count; i++) {
        double v = x[i];
        if (act == 5)
            v = v > 0 ? v : p0 * v;
        else if (act == 6)
            v = fmax(0.0, fmin(1.0, p0 * v + p1));
        else if (act == 7)
            v = v * fmax(0.0, fmin(1.0, v / 6.0 + 0.5));
        else if (act == 8)
            v = fmin(fmax(v, p0), p1);
        else if (act == 9)
            v = v > 0 ? v : p0 * (exp(v) - 1.0);
        else if (act == 11)
            v = log(1.0 + exp(v));
        y[i] = v;
    }
}

void ref_pool(double *y, const double *x, rshape xs, int is_max, int kh, int kw, int sh, int sw,
              int pt, int pl, int oh, int ow)
{
    rpool p = {kh, kw, sh, sw, 1, 1, pt, 0, pl, 0, 0};
    ref_pool2(y, x, xs, is_max, &p, oh, ow);
}

void ref_pool2(double *y, const double *x, rshape xs, int is_max, const rpool *p, int oh, int ow)
{
    rshape ys = {xs.n, xs.c, oh, ow};
    for (int n = 0; n < xs.n; n++)
        for (int c = 0; c < xs.c; c++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double acc = is_max ? -INFINITY : 0.0;
                    int cnt = 0, cnt_pad = 0;
                    for (int a = 0; a < p->kh; a++)
                        for (int b = 0; b < p->kw; b++) {
                            int ih = i * p->sh - p->pt + a * p->dh;
                            int iw = j * p->sw - p->pl + b * p->dw;
                            if (ih >= -p->pt && ih < xs.h + p->pb && iw >= -p->pl &&
                                iw < xs.w + p->pr)
                                cnt_pad++;
                            if (ih < 0 || ih >= xs.h || iw < 0 || iw >= xs.w)
                                continue;
                            double v = AT(x, xs, n, c, ih, iw);
                            acc = is_max ? fmax(acc, v) : acc + v;
                            cnt++;
                        }
                    int div = p->include_pad ? cnt_pad : cnt;
                    AT(y, ys, n, c, i, j) = is_max ? acc : div ? acc / div : 0.0;
                }
}

void ref_gpool(double *y, const double *x, rshape xs, int is_max)
{
    size_t hw = (size_t)xs.h * xs.w;
    for (size_t nc = 0; nc < (size_t)xs.n * xs.c; nc++) {
        double acc = is_max ? -INFINITY : 0.0;
        for (size_t p = 0; p < hw; p++)
            acc = is_max ? fmax(acc, x[nc * hw + p]) : acc + x[nc * hw + p];
        y[nc] = is_max ? acc : acc / (double)hw;
    }
}

void ref_zeropad(double *y, const double *x, rshape xs, int t, int b, int l, int r)
{
    rshape ys = {xs.n, xs.c, xs.h + t + b, xs.w + l + r};
    for (int n = 0; n < ys.n; n++)
        for (int c = 0; c < ys.c; c++)
            for (int i = 0; i < ys.h; i++)
                for (int j = 0; j < ys.w; j++) {
                    int ih = i - t, iw = j - l;
                    AT(y, ys, n, c, i, j) = (ih >= 0 && ih < xs.h && iw >= 0 && iw < xs.w)
                                                ? AT(x, xs, n, c, ih, iw)
                                                : 0.0;
                }
}

void ref_scale_shift(double *y, const double *x, rshape xs, const double *scale,
                     const double *shift)
{
    for (int n = 0; n < xs.n; n++)
        for (int c = 0; c < xs.c; c++)
            for (int i = 0; i < xs.h; i++)
                for (int j = 0; j < xs.w; j++)
                    AT(y, xs, n, c, i, j) = AT(x, xs, n, c, i, j) * scale[c] + shift[c];
}

void ref_reshape(double *y, const double *x, rshape xs, rshape ys)
{
    /* Walk the item in NHWC order on both sides. */
    for (int n = 0; n < xs.n; n++) {
        size_t f = 0;
        for (int i = 0; i < ys.h; i++)
            for (int j = 0; j < ys.w; j++)
                for (int c = 0; c < ys.c; c++, f++) {
                    int c1 = (int)(f % xs.c), w1 = (int)((f / xs.c) % xs.w),
                        h1 = (int)(f / ((size_t)xs.c * xs.w));
                    AT(y, ys, n, c, i, j) = AT(x, xs, n, c1, h1, w1);
                }
    }
}

/* The element of t (shape ts, broadcast to ys) at output position (n, c, h, w). */
static double bcast(const double *t, rshape ts, int n, int c, int h, int w)
{
    return AT(t, ts, n, ts.c == 1 ? 0 : c, ts.h == 1 ? 0 : h, ts.w == 1 ? 0 : w);
}

void ref_binary(double *y, rshape ys, int op, const double *a, rshape as, const double *b,
                rshape bs)
{
    for (int n = 0; n < ys.n; n++)
        for (int c = 0; c < ys.c; c++)
            for (int i = 0; i < ys.h; i++)
                for (int j = 0; j < ys.w; j++) {
                    double u = bcast(a, as, n, c, i, j), v = bcast(b, bs, n, c, i, j);
                    AT(y, ys, n, c, i, j) = op == 0 ? u + v : op == 1 ? u - v : op == 2 ? u * v
                                                                                  : u / v;
                }
}

void ref_prelu(double *y, const double *x, rshape xs, const double *slope)
{
    for (int n = 0; n < xs.n; n++)
        for (int c = 0; c < xs.c; c++)
            for (int i = 0; i < xs.h; i++)
                for (int j = 0; j < xs.w; j++) {
                    double v = AT(x, xs, n, c, i, j);
                    AT(y, xs, n, c, i, j) = v > 0 ? v : slope[c] * v;
                }
}

void ref_ascent_step(double *x, double *norm, const double *g, int nb, int nc, int hw,
                     const int *src, const double *scale, double step)
{
    size_t per = (size_t)nc * hw;
    for (int b = 0; b < nb; b++) {
        double ss = 0;
        for (size_t i = 0; i < per; i++) {
            double t = g[b * per + i] * scale[i / hw];
            ss += t * t;
        }
        norm[b] = sqrt(ss / (double)per) + 1e-5;
        for (int c = 0; c < nc; c++)
            for (int p = 0; p < hw; p++)
                x[b * per + (size_t)src[c] * hw + p] +=
                    g[b * per + (size_t)c * hw + p] * scale[c] / norm[b] * step;
    }
}
