/* session.c — opening a command's context and model, and its labels (session.h). */
#include "cli/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/datadir.h"
#include "cli/report.h"
#include "cli/progress.h"

/* A default data file; 1 after cli_fail when no data directory is known. */
static int default_file(const char *what, const char *flag, const char *rel, const char *src_rel,
                        char *buf, size_t cap)
{
    if (data_path(rel, src_rel, buf, cap) == 0)
        return 0;
    return cli_fail("cannot find the %s DATA/%s: set CLVIS_DATA_DIR (no share/clvis next to "
                    "the binary) or give --%s FILE", what, rel, flag);
}

void session_kernel_env(clvis_ctx_options *co)
{
    const char *c = getenv("CLVIS_CONV"), *d = getenv("CLVIS_DENSE");
    const char *oi = getenv("CLVIS_CONV_OC_INNER"), *bp = getenv("CLVIS_CONV_BLK_PX");
    co->conv = c && !strcmp(c, "ref")    ? CLVIS_CONV_REFERENCE
               : c && !strcmp(c, "fast") ? CLVIS_CONV_FAST
               : c && !strcmp(c, "blk")  ? CLVIS_CONV_BLK
               : c && !strcmp(c, "wino") ? CLVIS_CONV_WINO
               : c && !strcmp(c, "dw")   ? CLVIS_CONV_DW
                                         : CLVIS_CONV_AUTO;
    co->dense = d && !strcmp(d, "cols")   ? CLVIS_DENSE_COLUMNS
                : d && !strcmp(d, "rows") ? CLVIS_DENSE_ROWS
                                          : CLVIS_DENSE_AUTO;
    co->conv_order = !oi || !*oi       ? CLVIS_ORDER_AUTO
                     : !strcmp(oi, "0") ? CLVIS_ORDER_PIXELS_INNER
                                        : CLVIS_ORDER_CHANNELS_INNER;
    co->conv_blk_px = bp && !strcmp(bp, "6") ? 6 : bp && !strcmp(bp, "7") ? 7 : 0;
}

int session_open(const cli_args *o, session *s, int with_model)
{
    memset(s, 0, sizeof *s);
    clvis_ctx_options co = {0};
    co.device = o->device;
    co.kernels = o->kernels;
    co.log = cli_log;
    co.progress = cli_count;
    session_kernel_env(&co);
    clvis_status st = clvis_ctx_create(&co, &s->ctx);
    if (st)
        return cli_fail_st(st);
    const clvis_device_info *d = clvis_ctx_device(s->ctx);
    snprintf(s->device, sizeof s->device, "%s (%s)", d->name, d->platform);
    static char versions[600]; /* for the page: clvis and the device's OpenCL and driver */
    snprintf(versions, sizeof versions, "clvis %s; %s; driver %s", clvis_version(), d->version,
             d->driver);
    report_set_versions(versions);
    if (!with_model)
        return 0;
    static char mbuf[4096];
    s->model_path = o->model;
    if (!s->model_path) {
        if (default_file("default model", "model", DATA_MODEL, DATA_MODEL_SRC, mbuf, sizeof mbuf)) {
            clvis_ctx_destroy(s->ctx);
            s->ctx = NULL;
            return 1;
        }
        s->model_path = mbuf;
    }
    clvis_load_options lo = {0};
    lo.arch = o->arch;
    lo.config_path = o->config;
    if ((st = clvis_model_load(s->ctx, s->model_path, &lo, &s->model))) {
        int r = cli_fail_st(st);
        clvis_ctx_destroy(s->ctx);
        s->ctx = NULL;
        return r;
    }
    return 0;
}

void session_close(session *s)
{
    clvis_model_destroy(s->model);
    clvis_ctx_destroy(s->ctx);
    s->model = NULL;
    s->ctx = NULL;
}

int session_labels(const cli_args *o, const session *s, labels *lab)
{
    memset(lab, 0, sizeof *lab);
    char buf[4096], msg[1200];
    const char *path = o->labels;
    if (!path && clvis_output_count(s->model) == 1000) {
        if (default_file("ImageNet class index", "labels", DATA_LABELS, DATA_LABELS_SRC, buf,
                         sizeof buf))
            return 1;
        path = buf;
    }
    if (!path)
        return 0;
    return labels_load(path, lab, msg, sizeof msg) ? cli_fail("%s", msg) : 0;
}

const char *session_preprocess_desc(clvis_preprocess p)
{
    switch (p) {
    case CLVIS_PREPROCESS_RAW: return "raw (pixels 0..255)";
    case CLVIS_PREPROCESS_SCALE: return "scale (x/255)";
    case CLVIS_PREPROCESS_TF: return "tf (x/127.5 - 1)";
    case CLVIS_PREPROCESS_CAFFE: return "caffe (BGR, minus ImageNet means)";
    case CLVIS_PREPROCESS_TORCH:
        return "torch (shorter side 256, centre crop, x/255, ImageNet mean/std)";
    }
    return "?";
}

void session_preprocess_note(const cli_args *o, const session *s, int filters)
{
    static int said;
    if (said || cli_quiet || o->preprocess >= 0 || !s->model)
        return;
    clvis_preprocess p = clvis_model_preprocess(s->model);
    const char *src = clvis_model_preprocess_source(s->model);
    said = 1;
    cli_count_clear();
    if (filters) {
        if (src && p == CLVIS_PREPROCESS_RAW)
            return;
        char want[200];
        if (src)
            snprintf(want, sizeof want, "expects --preprocess %s (stated by %s)",
                     clvis_preprocess_name(p), src);
        else
            snprintf(want, sizeof want, "states no preprocessing");
        fprintf(stderr, "clvis: note: filter patterns are optimised on raw pixels fed to the "
                        "model as they are (the book); %s %s: --preprocess "
                        "raw|scale|tf|caffe|torch puts one in front\n",
                s->model_path, want);
        return;
    }
    if (src)
        return;
    fprintf(stderr, "clvis: note: %s states no preprocessing; used: %s, the default for %s "
                    "files; if it was trained on other inputs, give --preprocess "
                    "raw|scale|tf|caffe|torch (scale for x/255, as Keras' "
                    "ImageDataGenerator(rescale=1./255) and the book's small convnets)\n",
            s->model_path, session_preprocess_desc(p),
            p == CLVIS_PREPROCESS_RAW ? "Keras" : p == CLVIS_PREPROCESS_SCALE ? "1-channel ONNX" : "ONNX");
}
