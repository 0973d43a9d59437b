/* common.cl — shared helpers of every kernel file: activations by code (see act_kind). */
#ifndef ACT_LINEAR
#define ACT_LINEAR 0
#define ACT_RELU 1
#define ACT_SIGMOID 2
#define ACT_TANH 3
#define ACT_SOFTMAX 4
#endif

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
