/* ascent.cl — the book's gradient ascent in input space (listings 5.32-5.39) kept on the device:
 * the one-hot seed of every item, the preprocessing as a per-channel affine map, the per-item
 * RMS of the pixel-space gradient and the step x += step * g / (rms + 1e-5). Contraction is off
 * in every kernel: each product and sum rounds as the host loop it replaces (filters.c). The
 * sum of squares is kept as a float pair (hi + lo, error-free transforms), so it is as exact as
 * the double the host loop summed in, without cl_khr_fp64. */

/* seed[b][c][p] = value[b] where c == unit[b] (unit -1: a padding item, all zero), else 0. */
__kernel void ascent_seed(__global float *dy, int dy_off, __global const int *unit,
                          __global const float *value, int B, int C, int HW)
{
    FLAT_ITEM_OR_RETURN(i, B * C * HW);
    int bc = i / HW, b = bc / C, c = bc % C;
    dy[dy_off + i] = c == unit[b] ? value[b] : 0.0f;
}

inline int ascent_pick_i(int c, int a0, int a1, int a2)
{
    return c == 0 ? a0 : c == 1 ? a1 : a2;
}

inline float ascent_pick_f(int c, float a0, float a1, float a2)
{
    return c == 0 ? a0 : c == 1 ? a1 : a2;
}

/* The model's input from pixel-space x (both B x NC x HW): y[b][c] = x[b][src_c] * k_c + o_c. */
__kernel void ascent_pre(__global float *y, int y_off, __global const float *x, int n, int NC,
                         int HW, int s0, int s1, int s2, float k0, float k1, float k2, float o0,
                         float o1, float o2)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, n);
    int p = i % HW, bc = i / HW, c = bc % NC, b = bc / NC;
    int s = ascent_pick_i(c, s0, s1, s2);
    float v = x[((size_t)b * NC + s) * HW + p] * ascent_pick_f(c, k0, k1, k2);
    y[y_off + i] = v + ascent_pick_f(c, o0, o1, o2);
}

/* hi + lo += v, error-free (Knuth's two-sum; the pair's low part collects every rounding). */
inline void ascent_acc(float *hi, float *lo, float v)
{
#pragma OPENCL FP_CONTRACT OFF
    float s = *hi + v;
    float bv = s - *hi;
    float e = (*hi - (s - bv)) + (v - bv);
    *hi = s;
    *lo += e;
}

/* part[b * K + k] = the sum over j = k, k + K, ... of (g[b][c][j] * k_c)^2, per model channel c
 * (the chain rule through the preprocessing's scale: the pixel-space gradient), as (hi, lo). */
__kernel void ascent_sumsq(__global float2 *part, __global const float *g, int g_off, int NB,
                           int NC, int HW, int K, float k0, float k1, float k2)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, NB * K);
    int b = i / K, k = i % K;
    float hi = 0.0f, lo = 0.0f;
    for (int c = 0; c < NC; c++) {
        __global const float *gc = g + g_off + ((size_t)b * NC + c) * HW;
        float kc = ascent_pick_f(c, k0, k1, k2);
        for (int j = k; j < HW; j += K) {
            float t = gc[j] * kc;
            float p = t * t;
            ascent_acc(&hi, &lo, p);
            lo += fma(t, t, -p); /* the square's own rounding error, exact */
        }
    }
    part[i] = (float2)(hi, lo);
}

/* norm[b] = sqrt(mean of the item's squares) + 1e-5, from its K partial sums. */
__kernel void ascent_norm(__global float *norm, __global const float2 *part, int NB, int K,
                          int per)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(b, NB);
    float hi = 0.0f, lo = 0.0f;
    for (int k = 0; k < K; k++) {
        float2 q = part[(size_t)b * K + k];
        ascent_acc(&hi, &lo, q.x);
        lo += q.y;
    }
    float fp = (float)per;
    float m = hi / fp;
    float r = fma(-m, fp, hi) + lo; /* what hi + lo - m * per leaves, to first order exact */
    m += r / fp;
    norm[b] = sqrt(m) + 1e-5f;
}

/* x[b][cp][p] += (g[b][c][p] * k_c / norm[b]) * step, with c the model channel fed from pixel
 * channel cp (m0..m2). */
__kernel void ascent_step(__global float *x, __global const float *g, int g_off,
                          __global const float *norm, int n, int NC, int HW, int m0, int m1,
                          int m2, float k0, float k1, float k2, float step)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, n);
    int p = i % HW, bc = i / HW, cp = bc % NC, b = bc / NC;
    int c = ascent_pick_i(cp, m0, m1, m2);
    float t = g[g_off + ((size_t)b * NC + c) * HW + p] * ascent_pick_f(c, k0, k1, k2);
    float q = t / norm[b];
    x[i] = x[i] + q * step;
}
