/* common.cl — shared helpers of every kernel file: the work-item guard, NCHW index unpacking,
 * activations by code. Constants come from src/ops/tunables.h as -D build options. */
#if !defined(ACT_LINEAR) || !defined(ACT_RELU) || !defined(ACT_SIGMOID) || !defined(ACT_TANH) || \
    !defined(ACT_SOFTMAX) || !defined(ACT_LEAKY) || !defined(ACT_HARDSIGMOID) ||                  \
    !defined(ACT_HARDSWISH) || !defined(ACT_CLIP) || !defined(ACT_ELU) ||                         \
    !defined(ACT_LOGSOFTMAX) || !defined(ACT_SOFTPLUS) || !defined(CONV_FAST_PXB) ||               \
    !defined(CONV_FAST_OCB)
#error "build with the -D options of src/ops/tunables.h (CLVIS_KERNEL_DEFINES)"
#endif

/* Declares int I, this work-item's flat id (dimension 0), and leaves the kernel when I is past
 * the last of COUNT items (the global size is rounded up to the work-group size). */
#define FLAT_ITEM_OR_RETURN(I, COUNT)  \
    int I = (int)get_global_id(0);     \
    if (I >= (COUNT))                  \
        return

/* Rotating a float16 by one lane: shuffle(v, sl) gives each lane its left neighbour (lane 0
 * gets lane 15), shuffle(v, sr) its right one; lane0 / lane15 select the lane that wrapped
 * around (conv2d_3x3, conv2d_3x3_r2, ascent_unit_fwd3). */
#define ROT16_MASKS                                                                        \
    const uint16 sl = (uint16)(15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);      \
    const uint16 sr = (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0);      \
    const int16 lane0 = (int16)(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);          \
    const int16 lane15 = (int16)(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1);

/* Splits flat index i of a [..][H][W] tensor into column *w, row *h; returns the plane index
 * (n * C + c for NCHW). */
inline int unpack_hw(int i, int H, int W, int *h, int *w)
{
    *w = i % W;
    int t = i / W;
    *h = t % H;
    return t / H;
}

/* Splits flat index i of an [N][C][H][W] tensor into (*n, *c, *h, *w). */
inline void unpack_nchw(int i, int C, int H, int W, int *n, int *c, int *h, int *w)
{
    int nc = unpack_hw(i, H, W, h, w);
    *c = nc % C;
    *n = nc / C;
}

/* Splits the flat index i of a register-tiled conv's work-item (conv2d_fast, conv2d_blk) into
 * its pixel tile *owt (of OWT per row) and output-channel block *ocb (of OCB); returns the
 * output row index n * OH + oh. oc_inner: the channel block varies fastest (the input rows of a
 * tile stay in cache across blocks), else the pixel tile does (a block's weights stay). */
inline int unpack_tile(int i, int OWT, int OCB, int oc_inner, int *owt, int *ocb)
{
    if (oc_inner) {
        *ocb = i % OCB;
        i /= OCB;
        *owt = i % OWT;
    } else {
        *owt = i % OWT;
        i /= OWT;
        *ocb = i % OCB;
    }
    return i / (oc_inner ? OWT : OCB);
}

/* Elementwise activation; softmax is handled by its own kernels. */
inline float act_apply(float v, int act, float act_max)
{
    if (act == ACT_RELU) {
        v = fmax(v, 0.0f);
        return act_max > 0.0f ? fmin(v, act_max) : v;
    }
    if (act == ACT_SIGMOID)
        return 1.0f / (1.0f + exp(-v));
    if (act == ACT_TANH)
        return tanh(v);
    return v;
}

/* The same on a vector: act_apply_float8 / act_apply_float16, for the kernels that store their
 * register tiles through fused bias + activation (conv.cl, conv_blk.cl, conv_wino.cl,
 * conv_dw.cl). */
#define ACT_APPLY_VEC(T)                                                                   \
    inline T act_apply_##T(T v, int act, float act_max)                                    \
    {                                                                                      \
        if (act == ACT_RELU) {                                                             \
            v = fmax(v, (T)(0.0f));                                                        \
            return act_max > 0.0f ? fmin(v, (T)(act_max)) : v;                             \
        }                                                                                  \
        if (act == ACT_SIGMOID)                                                            \
            return 1.0f / (1.0f + exp(-v));                                                \
        if (act == ACT_TANH)                                                               \
            return tanh(v);                                                                \
        return v;                                                                          \
    }
ACT_APPLY_VEC(float8)
ACT_APPLY_VEC(float16)

/* Derivative through the output y. ReLU: 1 on the open interval (0, max). */
inline float act_grad(float y, int act, float act_max)
{
    if (act == ACT_RELU)
        return (y > 0.0f && (act_max <= 0.0f || y < act_max)) ? 1.0f : 0.0f;
    if (act == ACT_SIGMOID)
        return y * (1.0f - y);
    if (act == ACT_TANH)
        return 1.0f - y * y;
    return 1.0f;
}
