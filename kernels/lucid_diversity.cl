/* lucid_diversity.cl — Lucid's diversity objective across a batch (src/explain/lucid_diversity.c):
 * the Gram matrix of each item's activations at a layer (C x C over the positions), the dot
 * products of the items' Gram matrices, the gradient of the summed pairwise cosine similarity
 * with respect to each Gram matrix, and its chain through the Gram matrix into the layer's
 * seed. NCHW activations A[b][c][p], p over the H*W positions; one work-item per output value,
 * no atomics. */

/* G[b][c1][c2] = sum_p A[b][c1][p] A[b][c2][p] */
__kernel void lucid_gram(__global float *G, __global const float *A, int a_off, int n, int C,
                         int P)
{
    FLAT_ITEM_OR_RETURN(i, n * C * C);
    int c2 = i % C, c1 = (i / C) % C, b = i / (C * C);
    __global const float *x = A + a_off + ((size_t)b * C + c1) * P;
    __global const float *y = A + a_off + ((size_t)b * C + c2) * P;
    float s = 0.0f;
    for (int p = 0; p < P; p++)
        s += x[p] * y[p];
    G[i] = s;
}

/* D[i][j] = <G_i, G_j> over the CC = C*C entries */
__kernel void lucid_gram_dots(__global float *D, __global const float *G, int n, int CC)
{
    FLAT_ITEM_OR_RETURN(t, n * n);
    int j = t % n, i = t / n;
    __global const float *a = G + (size_t)i * CC, *b = G + (size_t)j * CC;
    float s = 0.0f;
    for (int e = 0; e < CC; e++)
        s += a[e] * b[e];
    D[t] = s;
}

/* The norm of Gram matrix k as tf.nn.l2_normalize takes it: sqrt(max(|G_k|^2, 1e-10)). */
inline float lucid_gram_norm(__global const float *D, int n, int k)
{
    return sqrt(fmax(D[k * n + k], 1e-10f));
}

/* U_b = scale * dS/dG_b with S = sum_{i != j} <g_i, g_j>, g_k = G_k / |G_k|:
 * dS/dG_b = (2 / |G_b|) (T - g_b - g_b sum_{k != b} <g_b, g_k>), T = sum_k g_k. */
__kernel void lucid_div_dgram(__global float *U, __global const float *G,
                              __global const float *D, int n, int CC, float scale)
{
    FLAT_ITEM_OR_RETURN(i, n * CC);
    int e = i % CC, b = i / CC;
    float nb = lucid_gram_norm(D, n, b), T = 0.0f, sc = 0.0f;
    for (int k = 0; k < n; k++) {
        float nk = lucid_gram_norm(D, n, k);
        T += G[(size_t)k * CC + e] / nk;
        if (k != b)
            sc += D[b * n + k] / (nb * nk);
    }
    float gb = G[i] / nb;
    U[i] = scale * 2.0f / nb * (T - gb - gb * sc);
}

/* seed[b][c][p] += 2 sum_c2 U[b][c][c2] A[b][c2][p]  (G = A A^T, U symmetric) */
__kernel void lucid_div_seed(__global float *seed, __global const float *A, int a_off,
                             __global const float *U, int n, int C, int P)
{
    FLAT_ITEM_OR_RETURN(i, n * C * P);
    int p = i % P, c = (i / P) % C, b = i / (C * P);
    __global const float *u = U + ((size_t)b * C + c) * C;
    __global const float *a = A + a_off + (size_t)b * C * P + p;
    float s = 0.0f;
    for (int c2 = 0; c2 < C; c2++)
        s += u[c2] * a[(size_t)c2 * P];
    seed[i] += 2.0f * s;
}
