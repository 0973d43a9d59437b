/* window.c — output sizes and pads of sliding windows (conv, pools): TensorFlow's SAME rule,
 * ONNX's SAME_LOWER. */
#include <limits.h>

#include "ops.h"

int window_axis(pad_mode mode, int in, int k, int s, int d, int *before, int *after)
{
    return window_axis_ceil(mode, in, k, s, d, 0, before, after);
}

int window_axis_ceil(pad_mode mode, int in, int k, int s, int d, int ceil_mode, int *before,
                     int *after)
{
    int span = (k - 1) * d + 1;
    if (in <= 0 || k <= 0 || s <= 0 || d <= 0)
        return 0;
    if (mode == PAD_SAME || mode == PAD_SAME_LOWER) {
        int out = (in + s - 1) / s;
        int total = (out - 1) * s + span - in;
        if (total < 0)
            total = 0;
        if (mode == PAD_SAME) {
            *before = total / 2;
            *after = total - *before;
        } else {
            *after = total / 2;
            *before = total - *after;
        }
        return out;
    }
    if (mode == PAD_VALID)
        *before = *after = 0;
    int padded = in + *before + *after;
    if (padded < span)
        return 0;
    if (!ceil_mode)
        return (padded - span) / s + 1;
    int out = (padded - span + s - 1) / s + 1;
    if ((out - 1) * s >= in + *before) /* the last window would start in the end padding */
        out--;
    return out;
}

clvis_status window_resolve(window2d *win, pad_mode mode, int h, int w, int *oh, int *ow)
{
    return window_resolve_ceil(win, mode, 0, h, w, oh, ow);
}

clvis_status window_resolve_ceil(window2d *win, pad_mode mode, int ceil_mode, int h, int w,
                                 int *oh, int *ow)
{
    if (win->kh <= 0 || win->kw <= 0 || win->sh <= 0 || win->sw <= 0 || win->dh <= 0 ||
        win->dw <= 0)
        return err_set(CLVIS_ERR_SHAPE, "window %dx%d, strides %dx%d, dilation %dx%d: all must be > 0",
                       win->kh, win->kw, win->sh, win->sw, win->dh, win->dw);
    if (mode == PAD_EXPLICIT &&
        (win->pad_t < 0 || win->pad_b < 0 || win->pad_l < 0 || win->pad_r < 0))
        return err_set(CLVIS_ERR_SHAPE, "negative padding");
    *oh = window_axis_ceil(mode, h, win->kh, win->sh, win->dh, ceil_mode, &win->pad_t,
                           &win->pad_b);
    *ow = window_axis_ceil(mode, w, win->kw, win->sw, win->dw, ceil_mode, &win->pad_l,
                           &win->pad_r);
    if (*oh <= 0 || *ow <= 0)
        return err_set(CLVIS_ERR_SHAPE,
                       "a %dx%d window (dilation %dx%d) does not fit a %dx%d input", win->kh,
                       win->kw, win->dh, win->dw, h, w);
    return CLVIS_OK;
}
