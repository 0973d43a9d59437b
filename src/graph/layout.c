/* layout.c — host tensors between channel-major (NCHW, the engine's) and channels-last (NHWC)
 * order: the one place the engine converts layouts. */
#include <string.h>

#include "graph/graph.h"

void layout_convert(float *dst, tensor_layout to, const float *src, tensor_layout from, int n,
                    shape3 s)
{
    size_t hw = (size_t)s.h * s.w, item = hw * (size_t)s.c;
    if (to == from || s.c == 1 || hw == 1) {
        memmove(dst, src, (size_t)n * item * sizeof *dst);
        return;
    }
    for (int b = 0; b < n; b++) {
        const float *x = src + (size_t)b * item;
        float *y = dst + (size_t)b * item;
        if (to == LAYOUT_NCHW)
            for (size_t p = 0; p < hw; p++)
                for (int c = 0; c < s.c; c++)
                    y[(size_t)c * hw + p] = x[p * s.c + c];
        else
            for (int c = 0; c < s.c; c++)
                for (size_t p = 0; p < hw; p++)
                    y[p * s.c + c] = x[(size_t)c * hw + p];
    }
}
