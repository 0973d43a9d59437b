/* conv_tiled.cl — the GPU path's convolution (and dense GEMM): an implicit GEMM in work-group
 * tiles staged through local memory, OpenCL C 1.2, no extension. No padding copy: the loader
 * reads the input with bounds checks (zeros outside), so the borders cost nothing extra.
 *
 * Y[n][m][q] = act(sum_k A(m, k) * B(k, (n, q)) + bias[m])   (accum: Y += the sum)
 *   q   an output pixel (yh, yw) of Y's YH x YW plane, the GEMM's columns are p = n * YH*YW + q;
 *   k   (c, kh, kw): an input channel of X ([N][C][XH][XW]) and a tap of the KH x KW window;
 *   A   the weights through strides: A(m, c, kh, kw) = w[w_base + m*s_m + c*s_c + kh*s_kh + kw*s_kw];
 *   B   gathered from X: forward (transposed 0) X[n][c][yh*SH - PT + kh*DH][yw*SW - PL + kw*DW];
 *       the input gradient (transposed 1) X = dy, Y = dx: X[n][c][oh][ow] where
 *       oh*SH = yh + PT - kh*DH (and the same for columns), zero where that is not a whole row.
 * One kernel therefore serves the conv forward (any stride, dilation, pads; groups 1), its input
 * gradient (any stride), and dense (XH = XW = YH = YW = 1, KH = KW = 1).
 *
 * Tile (src/cl/select.c's table -> -D options, part of the kernel cache key): a work-group
 * computes a CT_TM x CT_TN block of Y, CT_TK values of k at a time; each of its
 * (CT_TM / CT_WM) * (CT_TN / CT_WN) work-items holds CT_WM x CT_WN accumulators, its rows and
 * columns strided by the work-group's extent so neighbouring work-items read neighbouring local
 * words (no bank conflicts) and write neighbouring pixels (coalesced stores). */
#if !defined(CT_TM) || !defined(CT_TN) || !defined(CT_TK) || !defined(CT_WM) || !defined(CT_WN)
#error "conv_tiled needs the -D CT_TM, CT_TN, CT_TK, CT_WM, CT_WN options (src/cl/select.c)"
#endif
#if CT_TM % CT_WM || CT_TN % CT_WN
#error "conv_tiled: CT_WM must divide CT_TM and CT_WN must divide CT_TN"
#endif
#define CT_RM (CT_TM / CT_WM) /* work-items along m */
#define CT_RN (CT_TN / CT_WN) /* work-items along p */
#define CT_WG (CT_RM * CT_RN)

__kernel __attribute__((reqd_work_group_size(CT_WG, 1, 1))) void
conv_tiled(__global float *y, int y_off, __global const float *x, int x_off,
           __global const float *w, int w_base, int s_m, int s_c, int s_kh, int s_kw,
           __global const float *bias, int has_bias, int N, int M, int YH, int YW, int C, int XH,
           int XW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL, int transposed,
           int a_k_fast, int act, float act_max, int accum)
{
    __local float As[CT_TK][CT_TM];
    __local float Bs[CT_TK][CT_TN];
    const int lid = (int)get_local_id(0);
    const int tx = lid % CT_RN, ty = lid / CT_RN;
    const int p0 = (int)get_group_id(0) * CT_TN, m0 = (int)get_group_id(1) * CT_TM;
    const int Q = YH * YW, P = N * Q, KHW = KH * KW, K = C * KHW;
    float acc[CT_WM][CT_WN];
    for (int i = 0; i < CT_WM; i++)
        for (int j = 0; j < CT_WN; j++)
            acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += CT_TK) {
        /* A's tile: consecutive work-items take consecutive addresses (k when the weights are
         * k-contiguous, a_k_fast; m otherwise: dense's (in, out) weights) */
        for (int e = lid; e < CT_TM * CT_TK; e += CT_WG) {
            int mm, kk;
            if (a_k_fast) {
                kk = e % CT_TK;
                mm = e / CT_TK;
            } else {
                mm = e % CT_TM;
                kk = e / CT_TM;
            }
            int m = m0 + mm, k = k0 + kk;
            float v = 0.0f;
            if (m < M && k < K) {
                int c = k / KHW, r = k - c * KHW;
                int kh = r / KW, kw = r - kh * KW;
                v = w[w_base + (long)m * s_m + (long)c * s_c + kh * s_kh + kw * s_kw];
            }
            As[kk][mm] = v;
        }
        /* B's tile: consecutive work-items take consecutive output pixels */
        for (int e = lid; e < CT_TK * CT_TN; e += CT_WG) {
            int pp = e % CT_TN, kk = e / CT_TN;
            int p = p0 + pp, k = k0 + kk;
            float v = 0.0f;
            if (p < P && k < K) {
                int n = p / Q, q = p - n * Q;
                int yh = q / YW, yw = q - yh * YW;
                int c = k / KHW, r = k - c * KHW;
                int kh = r / KW, kw = r - kh * KW;
                int ih, iw, ok;
                if (!transposed) {
                    ih = yh * SH - PT + kh * DH;
                    iw = yw * SW - PL + kw * DW;
                    ok = ih >= 0 && ih < XH && iw >= 0 && iw < XW;
                } else {
                    int th = yh + PT - kh * DH, tw = yw + PL - kw * DW;
                    ok = th >= 0 && tw >= 0;
                    ih = ok ? th / SH : 0;
                    iw = ok ? tw / SW : 0;
                    ok = ok && ih * SH == th && iw * SW == tw && ih < XH && iw < XW;
                }
                if (ok)
                    v = x[x_off + (((long)n * C + c) * XH + ih) * XW + iw];
            }
            Bs[kk][pp] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < CT_TK; kk++) {
            float a[CT_WM], b[CT_WN];
            for (int i = 0; i < CT_WM; i++)
                a[i] = As[kk][ty + i * CT_RM];
            for (int j = 0; j < CT_WN; j++)
                b[j] = Bs[kk][tx + j * CT_RN];
            for (int i = 0; i < CT_WM; i++)
                for (int j = 0; j < CT_WN; j++)
                    acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int j = 0; j < CT_WN; j++) {
        int p = p0 + tx + j * CT_RN;
        if (p >= P)
            continue;
        int n = p / Q, q = p - n * Q;
        for (int i = 0; i < CT_WM; i++) {
            int m = m0 + ty + i * CT_RM;
            if (m >= M)
                continue;
            long o = y_off + ((long)n * M + m) * Q + q;
            float v = acc[i][j] + (has_bias ? bias[m] : 0.0f);
            y[o] = accum ? y[o] + v : act_apply(v, act, act_max);
        }
    }
}
