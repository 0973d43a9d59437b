/* predict.c — model inputs from image files, top-k predictions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/resize.h"
#include "api/model.h"
#include "explain/explain.h"
#include "graph/engine.h"

clvis_status viz_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s%s%s", dir ? dir : "", dir && *dir ? "/" : "", name);
    if (n < 0 || (size_t)n >= cap)
        return err_set(CLVIS_ERR_INVALID_ARG, "path too long: %s/%s", dir ? dir : "", name);
    return CLVIS_OK;
}

size_t clvis_input_count(const clvis_model *m)
{
    clvis_shape s = clvis_model_input_shape(m);
    return (size_t)s.h * s.w * s.c;
}

clvis_status clvis_input_load(const clvis_model *m, const char *path, int mode, float *x,
                            image8 *orig)
{
    if (!m || !path || !x)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_input_load: NULL argument");
    clvis_shape s = clvis_model_input_shape(m);
    clvis_preprocess pm = mode < 0 ? clvis_model_preprocess(m) : (clvis_preprocess)mode;
    if (s.c != 3 && s.c != 1)
        return err_set(CLVIS_ERR_UNSUPPORTED, "%s: the model takes %d channels; images give 3 "
                       "(RGB) or 1 (gray)", clvis_model_name(m), s.c);
    if (s.c == 1 && (pm == CLVIS_PREPROCESS_CAFFE || pm == CLVIS_PREPROCESS_TORCH))
        return err_set(CLVIS_ERR_UNSUPPORTED, "%s: --preprocess %s normalises three colour "
                       "channels; a 1-channel model takes raw, scale or tf", clvis_model_name(m),
                       clvis_preprocess_name(pm));
    image8 img = {0}, small = {0};
    clvis_status st = image_load(path, &img);
    if (st)
        return st;
    if (img.w < 2 || img.h < 2) {
        int w = img.w, h = img.h;
        image_free(&img);
        return err_set(CLVIS_ERR_FORMAT, "%s: image of %dx%d is too small (2x2 at least)", path,
                       w, h);
    }
    if (s.c == 1) { /* Keras load_img(color_mode="grayscale"): convert("L"), then resize */
        image8 gray = {0};
        if ((st = image_to_gray(&gray, &img))) {
            image_free(&img);
            return st;
        }
        st = keras_resize_nearest(&small, s.w, s.h, &gray);
        image_free(&gray);
    } else
        st = pm == CLVIS_PREPROCESS_TORCH ? torch_resize_crop(&small, s.w, s.h, &img)
                                          : keras_resize_nearest(&small, s.w, s.h, &img);
    if (st) {
        image_free(&img);
        return st;
    }
    image_preprocess(x, &small, pm);
    image_free(&small);
    if (orig)
        *orig = img;
    else
        image_free(&img);
    return CLVIS_OK;
}

/* ---- predict ---------------------------------------------------------------------------------- */
int clvis_output_count(const clvis_model *m)
{
    int n = clvis_model_layer_count(m);
    clvis_shape s = clvis_model_layer_shape(m, n - 1);
    return s.h * s.w * s.c;
}

int clvis_class_count(const clvis_model *m)
{
    int no = clvis_output_count(m);
    return no == 1 ? 2 : no;
}

clvis_status clvis_predict(clvis_model *m, const float *x, int k, clvis_prediction *top, int *n_top,
                         float *out, int n_out_cap, int *n_out)
{
    if (!m || !x || !top || !n_top || k < 1)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_predict: bad argument");
    int nl = clvis_model_layer_count(m), no = clvis_output_count(m);
    float *y = malloc((size_t)no * sizeof *y);
    if (!y)
        return err_set(CLVIS_ERR_NO_MEMORY, "predict: out of memory");
    clvis_status st = clvis_model_forward(m, x, 1, -1);
    if (!st)
        st = clvis_model_read(m, nl - 1, y);
    if (st) {
        free(y);
        return st;
    }
    /* a classifier that ends in logits (PyTorch's, exported to ONNX): its probabilities are the
     * softmax of them, as its users compute them */
    const graph *g = model_graph(m);
    if (no > 1 && graph_node_ending(g, nl - 1) == ENDS_LOG_PROBABILITY)
        for (int j = 0; j < no; j++)
            y[j] = expf(y[j]);
    else if (no > 1 && graph_node_ending(g, nl - 1) == ENDS_LINEAR) {
        float mx = y[0];
        for (int j = 1; j < no; j++)
            mx = y[j] > mx ? y[j] : mx;
        double sum = 0;
        for (int j = 0; j < no; j++)
            sum += exp((double)y[j] - mx);
        for (int j = 0; j < no; j++)
            y[j] = (float)(exp((double)y[j] - mx) / sum);
    }
    if (no == 1) { /* one sigmoid unit: class 1 = p, class 0 = 1 - p */
        float p = graph_node_ending(g, nl - 1) == ENDS_LINEAR ? 1.0f / (1.0f + expf(-y[0])) : y[0];
        clvis_prediction c1 = {1, p}, c0 = {0, 1.0f - p};
        top[0] = p > 0.5f ? c1 : c0;
        if (k > 1)
            top[1] = p > 0.5f ? c0 : c1;
        *n_top = k > 1 ? 2 : 1;
        if (out && n_out_cap > 0)
            out[0] = c0.score;
        if (out && n_out_cap > 1)
            out[1] = p;
        if (n_out)
            *n_out = 2;
        free(y);
        return CLVIS_OK;
    }
    int kk = k < no ? k : no;
    for (int i = 0; i < kk; i++) {
        int best = -1;
        for (int j = 0; j < no; j++) {
            int used = 0;
            for (int t = 0; t < i; t++)
                used |= top[t].index == j;
            if (!used && (best < 0 || y[j] > y[best]))
                best = j;
        }
        top[i] = (clvis_prediction){best, y[best]};
    }
    *n_top = kk;
    if (out) {
        int c = no < n_out_cap ? no : n_out_cap;
        memcpy(out, y, (size_t)c * sizeof *y);
    }
    if (n_out)
        *n_out = no;
    free(y);
    return CLVIS_OK;
}
