/* gemv_tiled.cl — the GPU path's dense layer at small batches: a matrix-vector product split
 * over k inside a work-group and reduced in local memory, OpenCL C 1.2, no extension.
 *
 * y[n][m] = act(sum_k A(m, k) * x[n][k] + bias[m])   (accum: y += the sum), A(m, k) =
 * a[m*s_m + k*s_k]. A work-group takes GV_M rows m; its GV_KS lanes per row each sum every
 * GV_KS-th k, for GV_NB batch items at once (one read of A serves them all; the batch blocks are
 * the second NDRange dimension). k_fast: lanes of one row are neighbouring work-items (A is
 * k-contiguous: the input gradient through Keras's (in, out) weights); otherwise the rows are
 * (A is m-contiguous: the forward through the same weights). Either way neighbouring work-items
 * read neighbouring words of A. Shape from src/cl/select.c's table (-D, in the cache key). */
#if !defined(GV_M) || !defined(GV_KS) || !defined(GV_NB)
#error "gemv_tiled needs the -D GV_M, GV_KS, GV_NB options (src/cl/select.c)"
#endif
#if GV_KS & (GV_KS - 1)
#error "gemv_tiled: GV_KS must be a power of two (the reduction halves it)"
#endif
#define GV_WG (GV_M * GV_KS)

__kernel __attribute__((reqd_work_group_size(GV_WG, 1, 1))) void
gemv_tiled(__global float *y, int y_off, __global const float *x, int x_off,
           __global const float *a, int s_m, int s_k, __global const float *bias, int has_bias,
           int N, int M, int K, int k_fast, int act, float act_max, int accum)
{
    __local float red[GV_NB][GV_WG];
    const int lid = (int)get_local_id(0);
    int lm, lk;
    if (k_fast) {
        lk = lid % GV_KS;
        lm = lid / GV_KS;
    } else {
        lm = lid % GV_M;
        lk = lid / GV_M;
    }
    const int m = (int)get_group_id(0) * GV_M + lm;
    const int n0 = (int)get_group_id(1) * GV_NB;
    const int nb = min(GV_NB, N - n0);
    float acc[GV_NB];
    for (int b = 0; b < GV_NB; b++)
        acc[b] = 0.0f;
    if (m < M) {
        __global const float *am = a + (long)m * s_m;
        __global const float *xn = x + x_off + (long)n0 * K;
        for (int k = lk; k < K; k += GV_KS) {
            float av = am[(long)k * s_k];
            for (int b = 0; b < GV_NB; b++)
                if (b < nb)
                    acc[b] = fma(av, xn[(long)b * K + k], acc[b]);
        }
    }
    const int slot = lm * GV_KS + lk;
    for (int b = 0; b < GV_NB; b++)
        red[b][slot] = acc[b];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = GV_KS / 2; s > 0; s >>= 1) {
        if (lk < s)
            for (int b = 0; b < GV_NB; b++)
                red[b][slot] += red[b][slot + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lk == 0 && m < M)
        for (int b = 0; b < nb; b++) {
            long o = y_off + (long)(n0 + b) * M + m;
            float v = red[b][slot] + (has_bias ? bias[m] : 0.0f);
            y[o] = accum ? y[o] + v : act_apply(v, act, act_max);
        }
}
