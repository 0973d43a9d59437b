/* lucid_reg.c — the regularisers of --style lucid on the image in [0, 1] (before the
 * transforms), each with a weight, added to the loss being minimised:
 *   L1    sum |x - 0.5|               (lucid.optvis.objectives.L1(constant=0.5))
 *   TV    sum |x[y][x+1] - x[y][x]| + |x[y+1][x] - x[y][x]|  (tf.image.total_variation)
 *   blur  0.5 sum (x - stop_gradient(blur(x)))^2   (objectives.blur_input_each_step; blur a
 *         zero-padded 3x3 box, 1 at the centre, 0.5 around, divided by its own sum in the image)
 * The non-smooth |.| take the subgradient sign(0) = 0, as TensorFlow does. */
#include <math.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

clvis_status lucid_reg_gradient(clvis_ctx *ctx, cl_mem g, cl_mem x, int B, int H, int W,
                                const lucid_reg *r)
{
    if (r->l1 == 0 && r->tv == 0 && r->blur == 0)
        return CLVIS_OK;
    karg a[] = {KMEM(g), KMEM(x), KARG(B), KARG(H), KARG(W), KARG(r->l1), KARG(r->tv),
                KARG(r->blur)};
    return kernel_run(ctx, K_lucid_reg_grad, (size_t)B * 3 * H * W, a, NARGS(a));
}

static double sgn(double v)
{
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

static double blur_at(const float *p, int x, int y, int H, int W)
{
    double s = 0, n = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int xx = x + dx, yy = y + dy;
            if (xx < 0 || xx >= W || yy < 0 || yy >= H)
                continue;
            double w = (dx || dy) ? 0.5 : 1.0;
            s += w * p[yy * W + xx];
            n += w;
        }
    return s / n;
}

double lucid_reg_ref(float *g, const float *x, const float *frozen, int B, int H, int W,
                     const lucid_reg *r)
{
    double val = 0;
    for (int pl = 0; pl < B * 3; pl++) {
        const float *p = x + (size_t)pl * H * W;
        const float *f = (frozen ? frozen : x) + (size_t)pl * H * W;
        float *gp = g ? g + (size_t)pl * H * W : NULL;
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++) {
                double v = p[y * W + xx], d = 0;
                val += r->l1 * fabs(v - 0.5);
                d += r->l1 * sgn(v - 0.5);
                if (xx + 1 < W) {
                    double e = p[y * W + xx + 1] - v;
                    val += r->tv * fabs(e);
                    d -= r->tv * sgn(e);
                }
                if (xx > 0)
                    d += r->tv * sgn(v - p[y * W + xx - 1]);
                if (y + 1 < H) {
                    double e = p[(y + 1) * W + xx] - v;
                    val += r->tv * fabs(e);
                    d -= r->tv * sgn(e);
                }
                if (y > 0)
                    d += r->tv * sgn(v - p[(y - 1) * W + xx]);
                double bl = blur_at(f, xx, y, H, W);
                val += r->blur * 0.5 * (v - bl) * (v - bl);
                d += r->blur * (v - bl);
                if (gp)
                    gp[y * W + xx] += (float)d;
            }
    }
    return val;
}
