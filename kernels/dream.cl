/* dream.cl — deep dream on a photo (src/explain/dream.c): the L2 objective's seed at a layer,
 * partial sums for its value and for the gradient's standard deviation, the sum of the layers'
 * gradients, and the normalised ascent step with the clip to [0, 1]. */

/* part[2q], part[2q+1] = sum, sum of squares of x[x_off + i] over i = q, q + Q, ... < n */
__kernel void dream_partials(__global float *part, __global const float *x, int x_off, int n,
                             int Q)
{
    FLAT_ITEM_OR_RETURN(q, Q);
    float s = 0.0f, ss = 0.0f;
    for (int i = q; i < n; i += Q) {
        float v = x[x_off + i];
        s += v;
        ss += v * v;
    }
    part[2 * q] = s;
    part[2 * q + 1] = ss;
}

/* seed = scale * y: d(w mean(y^2))/dy with scale = 2 w / count */
__kernel void dream_l2_seed(__global float *seed, __global const float *y, int y_off, int n,
                            float scale)
{
    FLAT_ITEM_OR_RETURN(i, n);
    seed[i] = scale * y[y_off + i];
}

__kernel void dream_accum(__global float *a, __global const float *b, int n)
{
    FLAT_ITEM_OR_RETURN(i, n);
    a[i] += b[i];
}

/* img = clip(img + step * g / (std(g) + 1e-8), 0, 1), std over the n values from the Q
 * partial sums of dream_partials (each work-item adds them up itself). */
__kernel void dream_step(__global float *img, __global const float *g,
                         __global const float *part, int Q, int n, float step)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float s = 0.0f, ss = 0.0f;
    for (int q = 0; q < Q; q++) {
        s += part[2 * q];
        ss += part[2 * q + 1];
    }
    float mean = s / (float)n, var = fmax(ss / (float)n - mean * mean, 0.0f);
    float v = img[i] + step * g[i] / (sqrt(var) + 1e-8f);
    img[i] = clamp(v, 0.0f, 1.0f);
}
