/* test_onnx.c — ONNX models exported by PyTorch (tests/data/onnx/<case>/, written by
 * tools/fixtures/make_onnx_fixtures.py) through clvis: the output, every intermediate output
 * the fixture recorded (by ONNX tensor name), the input gradient of output[:, class] and the
 * Grad-CAM map of the recorded layer against pytorch-grad-cam's (Pearson r, the map's scale
 * being a convention). Then the bad inputs the importer must refuse with one line: truncated
 * and garbled protobuf, a missing external data file, an initializer whose data does not match
 * its dims, a dangling input, an unsupported op, a 2^62 dims claim. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "api/model.h"
#include "graph/engine.h"
#include "import/onnx.h"
#include "io/image.h"
#include "io/resize.h"
#include "onnx.pb-c.h"
#include "testutil.h"

#ifndef TEST_ONNX_DIR
#define TEST_ONNX_DIR "tests/data/onnx"
#endif

#define TOL_OUT 1e-4  /* relative to the largest |value| of the tensor */
#define TOL_GRAD 1e-4
#define MIN_PEARSON 0.999
#define TOL_CAM 1e-4 /* the raw maps, each over its max */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

typedef struct {
    int rank;
    long long dims[8];
    float *v;
    size_t n;
} tensor_file;

static int read_pb(const char *dir, const char *file, tensor_file *t)
{
    char path[8300];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(t, 0, sizeof *t);
    return onnx_read_tensor(path, &t->rank, t->dims, &t->v, &t->n) == CLVIS_OK;
}

static double pearson(const float *a, const float *b, size_t n)
{
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++)
        ma += a[i], mb += b[i];
    ma /= (double)n, mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : (saa == sbb ? 1.0 : 0.0);
}

static void run_case(clvis_ctx *ctx, const char *dir, const char *name)
{
    char path[8300], label[1024];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *js = slurp(path, NULL);
    cJSON *meta = js ? cJSON_Parse(js) : NULL;
    free(js);
    if (!meta) {
        test_fail(name, "meta.json missing or not JSON");
        return;
    }
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, path, NULL, &m);
    snprintf(label, sizeof label, "%s: loads", name);
    test_check(label, st == CLVIS_OK, st ? clvis_last_error() : "");
    tensor_file in = {0}, out = {0}, gin = {0}, cam = {0};
    float *buf = NULL;
    if (st != CLVIS_OK)
        goto done;
    graph *g = model_graph(m);
    if (!read_pb(dir, "input.pb", &in) || !read_pb(dir, "output.pb", &out)) {
        test_fail(name, "input.pb / output.pb unreadable");
        goto done;
    }
    int batch = (int)in.dims[0];
    shape3 is = graph_node_shape(g, 0);
    snprintf(label, sizeof label, "%s: input %lldx%lldx%lldx%lld", name, in.dims[0], in.dims[1],
             in.dims[2], in.dims[3]);
    test_check(label, (size_t)batch * is.c * is.h * is.w == in.n, "");
    size_t cap = out.n;
    /* the largest intermediate decides the buffer */
    cJSON *acts = cJSON_GetObjectItem(meta, "act");
    int last = graph_count(g) - 1;
    for (int i = 0; i <= last; i++) {
        shape3 s = graph_node_shape(g, i);
        size_t c = (size_t)batch * s.c * s.h * s.w;
        cap = c > cap ? c : cap;
    }
    buf = malloc(cap * sizeof *buf);
    if ((st = graph_plan(g, batch)) || (st = graph_set_input(g, LAYOUT_NCHW, in.v)) ||
        (st = graph_forward(g, -1)) || (st = graph_read(g, last, LAYOUT_NCHW, buf))) {
        test_fail(name, clvis_last_error());
        goto done;
    }
    snprintf(label, sizeof label, "%s: output vs PyTorch", name);
    {
        double *w = malloc(out.n * sizeof *w);
        for (size_t i = 0; i < out.n; i++)
            w[i] = out.v[i];
        shape3 os = graph_node_shape(g, last);
        if ((size_t)batch * os.c * os.h * os.w != out.n)
            test_fail(label, "output size differs");
        else
            test_compare_floor(label, buf, w, out.n, TOL_OUT, 1e-3);
        free(w);
    }
    /* every recorded intermediate, found by its ONNX tensor name */
    int n_act = 0;
    for (cJSON *a = acts ? acts->child : NULL; a; a = a->next) {
        const char *tname = cJSON_GetStringValue(a);
        tensor_file t;
        if (!tname || !read_pb(dir, a->string, &t)) {
            test_fail(name, "an act_*.pb file is unreadable");
            continue;
        }
        int id = graph_find(g, tname);
        snprintf(label, sizeof label, "%s: %s", name, tname);
        if (id < 0)
            test_fail(label, "no layer of that tensor name");
        else {
            shape3 s = graph_node_shape(g, id);
            if ((size_t)batch * s.c * s.h * s.w != t.n)
                test_fail(label, "size differs");
            else if ((st = graph_read(g, id, LAYOUT_NCHW, buf)))
                test_fail(label, clvis_last_error());
            else {
                double *w = malloc(t.n * sizeof *w);
                for (size_t i = 0; i < t.n; i++)
                    w[i] = t.v[i];
                test_compare_floor(label, buf, w, t.n, TOL_OUT, 1e-3);
                free(w);
                n_act++;
            }
        }
        free(t.v);
    }
    snprintf(label, sizeof label, "%s: %d intermediate outputs compared", name, n_act);
    test_check(label, n_act > 0, "");
    /* input gradient of sum_n output[n, cls] */
    int cls = cJSON_GetObjectItem(meta, "class") ? cJSON_GetObjectItem(meta, "class")->valueint
                                                 : 0;
    shape3 os = graph_node_shape(g, last);
    size_t per = (size_t)os.c * os.h * os.w;
    if (read_pb(dir, "grad_input.pb", &gin)) {
        float *seed = calloc((size_t)batch * per, sizeof *seed);
        for (int b = 0; b < batch; b++)
            seed[(size_t)b * per + (size_t)cls] = 1.0f;
        snprintf(label, sizeof label, "%s: d output[:, %d] / d input vs PyTorch autograd", name,
                 cls);
        if ((st = graph_seed(g, last, LAYOUT_NCHW, seed)) ||
            (st = graph_backward(g, last, 0, 0)) ||
            (st = graph_read_grad(g, 0, LAYOUT_NCHW, buf)))
            test_fail(label, clvis_last_error());
        else {
            double *w = malloc(gin.n * sizeof *w);
            for (size_t i = 0; i < gin.n; i++)
                w[i] = gin.v[i];
            test_compare_floor(label, buf, w, gin.n, TOL_GRAD, 1e-6);
            free(w);
        }
        free(seed);
    }
    /* The CAM methods on the recorded layer, item 0, against pytorch-grad-cam (Pearson r of
     * the layer-resolution maps >= MIN_PEARSON; the scale is a convention: clvis divides by the
     * max, the peer min-max normalises and resizes). clvis's default "gradcam" (the book's) is
     * pytorch-grad-cam's GradCAM: the gradient of the model's output for the class, weights the
     * spatial mean of it, ReLU of the weighted sum (cam.pb). Every other method in the table has
     * its raw map in cam_<method>.pb (tools/fixtures/make_cam_fixtures.py) but "gradcam-paper",
     * whose logit score the peer's ClassifierOutputTarget does not take. Where the layer feeds
     * a global average pool (gradient constant over the pixels) gradcam, xgradcam and hirescam
     * are one map by construction; classic (Flatten head), pools and elu tell them apart.
     * Each map must also be within TOL_CAM of the peer's raw map over its max, pixel by pixel.
     * Conventions the fixtures carry (tools/fixtures/make_cam_fixtures.py): eigencam and
     * eigengradcam with the peer's sign correction (negated when |min| > |max|), its EigenCAM
     * leaving the sign to LAPACK; ablationcam zeroes the channel as the paper does, where the
     * peer writes min - 1e7 unless the layer's minimum is 0: on acts, mbv3_block, elu and
     * efficient_block (hard-swish, ELU, SiLU layers) cam_ablationcam.pb is the paper's definition
     * computed with PyTorch in float64, elsewhere the peer's map. scorecam and ablationcam also
     * run in batches of 1 and 3 and must give the default batch's map. fullgrad's map is at the
     * input's size (the layer is not used); on acts, whose Conv+BatchNorm the exporter folded,
     * cam_fullgrad.pb is FullGrad's definition over the ONNX model's bias layers (float64,
     * PyTorch), the peer on the unfolded PyTorch model seeing two biases there. */
    const char *cl = cJSON_GetStringValue(cJSON_GetObjectItem(meta, "cam_layer"));
    if (cl) {
        int layer = graph_find(g, cl);
        size_t item = (size_t)is.c * is.h * is.w;
        float *x = malloc(item * sizeof *x);
        /* item 0, NCHW -> the public API's NHWC */
        for (int c = 0; c < is.c; c++)
            for (int p = 0; p < is.h * is.w; p++)
                x[(size_t)p * is.c + c] = in.v[(size_t)c * is.h * is.w + p];
        const char *mname;
        for (int k = 0; (mname = clvis_cam_method_name(k)); k++) {
            if (!strcmp(mname, "gradcam-paper"))
                continue;
            char file[128];
            snprintf(file, sizeof file, "%s", !strcmp(mname, "gradcam") ? "cam.pb" : "");
            if (!file[0])
                snprintf(file, sizeof file, "cam_%s.pb", mname);
            snprintf(label, sizeof label, "%s: %s on %s vs pytorch-grad-cam (%s)", name, mname,
                     cl, file);
            free(cam.v);
            if (!read_pb(dir, file, &cam)) {
                test_fail(label, "fixture missing (tools/fixtures/make_cam_fixtures.py)");
                continue;
            }
            clvis_gradcam_options o = {.layer = layer, .cls = cls, .method = mname};
            clvis_gradcam_result r = {0};
            double peak = 0;
            for (size_t i = 0; i < cam.n; i++)
                peak = cam.v[i] > peak ? cam.v[i] : peak;
            if (layer < 0)
                test_fail(label, "no layer of that name");
            else if ((st = clvis_gradcam(m, x, &o, &r)))
                test_fail(label, clvis_last_error());
            else if ((size_t)r.h * r.w != cam.n)
                test_fail(label, "map size differs");
            else if (!(peak > 0)) {
                /* the peer's map is all zero after its ReLU: clvis must say so, not draw noise */
                int zero = 1;
                for (size_t i = 0; i < cam.n; i++)
                    zero &= r.map[i] == 0.0f;
                test_check(label, r.all_nonpositive && zero,
                           "the peer's map is <= 0 everywhere: clvis's must be all zeros with "
                           "all_nonpositive set");
            } else {
                /* and pixel by pixel: the peer's raw map over its max against clvis's map */
                double p = pearson(r.map, cam.v, cam.n), dmax = 0;
                for (size_t i = 0; i < cam.n; i++) {
                    double e = fabs(r.map[i] - cam.v[i] / peak);
                    dmax = e > dmax ? e : dmax;
                }
                char d[160];
                snprintf(d, sizeof d, "%dx%d, Pearson r = %.6f (>= %.3f), max |diff| of the "
                         "maps over their max %.2e (<= %.0e)", r.h, r.w, p, MIN_PEARSON, dmax,
                         TOL_CAM);
                test_check(label, p >= MIN_PEARSON && dmax <= TOL_CAM, d);
            }
            if (!st && (!strcmp(mname, "scorecam") || !strcmp(mname, "ablationcam"))) {
                /* the forward passes in batches of 1 and of 3 (a last batch padded) give the
                 * map of the default batch */
                for (int bs = 1; bs <= 3; bs += 2) {
                    clvis_gradcam_result rb = {0};
                    o.batch = bs;
                    char lb[300];
                    snprintf(lb, sizeof lb, "%s: %s with --batch %d = the default batch", name,
                             mname, bs);
                    if ((st = clvis_gradcam(m, x, &o, &rb)))
                        test_fail(lb, clvis_last_error());
                    else {
                        double e = 0;
                        for (size_t i = 0; i < cam.n; i++)
                            e = fmax(e, fabs(rb.map[i] - r.map[i]));
                        test_checkf(e <= 1e-6 && rb.all_nonpositive == r.all_nonpositive,
                                    "%s (max |diff| %.2e <= 1e-6)", lb, e);
                    }
                    clvis_gradcam_free(&rb);
                }
            }
            clvis_gradcam_free(&r);
        }
        free(x);
    }
done:
    free(in.v), free(out.v), free(gin.v), free(cam.v);
    free(buf);
    clvis_model_destroy(m);
    cJSON_Delete(meta);
}

/* ---- bad input: small models built here with the generated protobuf code ------------------ */

typedef struct {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    Onnx__ValueInfoProto in, out, *ins[1], *outs[1];
    Onnx__TypeProto in_type, out_type;
    Onnx__TypeProto__Tensor in_tt, out_tt;
    Onnx__TensorShapeProto in_shape;
    Onnx__TensorShapeProto__Dimension dim[4], *dims[4];
    Onnx__NodeProto node, *nodes[1];
    char *node_in[2];
    char *node_out[1];
    Onnx__TensorProto w, *inits[1];
    int64_t w_dims[4];
    float w_data[2 * 3 * 3 * 3];
    Onnx__StringStringEntryProto ext[1], *exts[1];
} tiny_model;

/* x (1, 3, 4, 4) -> Conv(W: 2 x 3 x 3 x 3) -> y */
static void tiny_init(tiny_model *t)
{
    memset(t, 0, sizeof *t);
    onnx__model_proto__init(&t->model);
    onnx__graph_proto__init(&t->graph);
    onnx__operator_set_id_proto__init(&t->opset);
    t->opset.has_version = 1;
    t->opset.version = 13;
    t->opsets[0] = &t->opset;
    t->model.has_ir_version = 1;
    t->model.ir_version = 8;
    t->model.n_opset_import = 1;
    t->model.opset_import = t->opsets;
    t->model.graph = &t->graph;
    t->graph.name = "tiny";
    onnx__value_info_proto__init(&t->in);
    onnx__type_proto__init(&t->in_type);
    onnx__type_proto__tensor__init(&t->in_tt);
    onnx__tensor_shape_proto__init(&t->in_shape);
    static const int64_t d[4] = {1, 3, 4, 4};
    for (int k = 0; k < 4; k++) {
        onnx__tensor_shape_proto__dimension__init(&t->dim[k]);
        t->dim[k].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        t->dim[k].dim_value = d[k];
        t->dims[k] = &t->dim[k];
    }
    t->in_shape.n_dim = 4;
    t->in_shape.dim = t->dims;
    t->in_tt.has_elem_type = 1;
    t->in_tt.elem_type = 1;
    t->in_tt.shape = &t->in_shape;
    t->in_type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    t->in_type.tensor_type = &t->in_tt;
    t->in.name = "x";
    t->in.type = &t->in_type;
    t->ins[0] = &t->in;
    onnx__value_info_proto__init(&t->out);
    t->out.name = "y";
    t->outs[0] = &t->out;
    t->graph.n_input = 1;
    t->graph.input = t->ins;
    t->graph.n_output = 1;
    t->graph.output = t->outs;
    onnx__node_proto__init(&t->node);
    t->node.op_type = "Conv";
    t->node.name = "conv";
    t->node_in[0] = "x";
    t->node_in[1] = "W";
    t->node_out[0] = "y";
    t->node.n_input = 2;
    t->node.input = t->node_in;
    t->node.n_output = 1;
    t->node.output = t->node_out;
    t->nodes[0] = &t->node;
    t->graph.n_node = 1;
    t->graph.node = t->nodes;
    onnx__tensor_proto__init(&t->w);
    t->w.name = "W";
    t->w.has_data_type = 1;
    t->w.data_type = 1;
    static const int64_t wd[4] = {2, 3, 3, 3};
    memcpy(t->w_dims, wd, sizeof wd);
    t->w.n_dims = 4;
    t->w.dims = t->w_dims;
    for (int k = 0; k < 54; k++)
        t->w_data[k] = (float)((k % 7) - 3) * 0.1f;
    t->w.n_float_data = 54;
    t->w.float_data = t->w_data;
    t->inits[0] = &t->w;
    t->graph.n_initializer = 1;
    t->graph.initializer = t->inits;
}

/* Packs the model, loads it from a file in dir; returns the status. */
static clvis_status tiny_load(clvis_ctx *ctx, tiny_model *t, const char *dir, const char *file)
{
    size_t n = onnx__model_proto__get_packed_size(&t->model);
    unsigned char *b = malloc(n);
    onnx__model_proto__pack(&t->model, b);
    char path[8300];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    free(b);
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, path, NULL, &m);
    clvis_model_destroy(m);
    return st;
}

static void bad_inputs(clvis_ctx *ctx)
{
    char dir[] = "/tmp/clvis-onnx-XXXXXX";
    if (!mkdtemp(dir)) {
        test_fail("bad input: temp dir", "mkdtemp");
        return;
    }
    tiny_model t;
    tiny_init(&t);
    test_check("tiny model loads", tiny_load(ctx, &t, dir, "ok.onnx") == CLVIS_OK,
               clvis_last_error());
    /* truncated at every 7th byte and garbled: an error, never a crash */
    char path[8300];
    snprintf(path, sizeof path, "%s/ok.onnx", dir);
    size_t len;
    char *whole = slurp(path, &len);
    int clean = 1, tried = 0;
    for (size_t cut = 0; whole && cut < len; cut += 7) {
        graph *g = NULL;
        clvis_status st = onnx_load_buffer(ctx, "cut.onnx", whole, cut, NULL, 0, &g);
        graph_destroy(g);
        tried++;
        if (st == CLVIS_OK || strchr(clvis_last_error(), '\n'))
            clean = 0;
    }
    char d[64];
    snprintf(d, sizeof d, "%d cut points", tried);
    test_check("truncated protobuf: a one-line error at every cut", clean && tried > 10, d);
    for (size_t k = 0; whole && k < len; k++)
        whole[k] = (char)(whole[k] ^ 0x5a);
    graph *g = NULL;
    test_expect_error("garbled protobuf", onnx_load_buffer(ctx, "x.onnx", whole, len, NULL, 0, &g),
                      CLVIS_ERR_FORMAT);
    graph_destroy(g);
    free(whole);

    /* external data: a missing file, and a location outside the model's folder */
    tiny_init(&t);
    t.w.n_float_data = 0;
    t.w.has_data_location = 1;
    t.w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    onnx__string_string_entry_proto__init(&t.ext[0]);
    t.ext[0].key = "location";
    t.ext[0].value = "weights.bin";
    t.exts[0] = &t.ext[0];
    t.w.n_external_data = 1;
    t.w.external_data = t.exts;
    test_expect_error("external data file missing", tiny_load(ctx, &t, dir, "ext.onnx"),
                      CLVIS_ERR_IO);
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    FILE *f = fopen(path, "wb");
    fwrite(t.w_data, sizeof(float), 54, f);
    fclose(f);
    test_check("external data file present: loads", tiny_load(ctx, &t, dir, "ext.onnx") == 0,
               clvis_last_error());
    f = fopen(path, "wb");
    fwrite(t.w_data, sizeof(float), 20, f);
    fclose(f);
    test_expect_error("external data file too short", tiny_load(ctx, &t, dir, "ext.onnx"),
                      CLVIS_ERR_FORMAT);
    t.ext[0].value = "../../../etc/passwd";
    test_expect_error("external data outside the model's folder",
                      tiny_load(ctx, &t, dir, "ext.onnx"), CLVIS_ERR_FORMAT);

    /* an initializer whose data does not match its dims */
    tiny_init(&t);
    t.w.n_float_data = 50;
    test_expect_error("initializer size != dims", tiny_load(ctx, &t, dir, "size.onnx"),
                      CLVIS_ERR_FORMAT);
    tiny_init(&t);
    t.w.n_float_data = 0;
    t.w.has_raw_data = 1;
    t.w.raw_data.data = (uint8_t *)t.w_data;
    t.w.raw_data.len = 53 * 4 + 1;
    test_expect_error("initializer raw_data size != dims", tiny_load(ctx, &t, dir, "raw.onnx"),
                      CLVIS_ERR_FORMAT);
    /* dims whose product overflows, and a 2^62-element claim */
    tiny_init(&t);
    t.w_dims[0] = INT64_C(1) << 40;
    t.w_dims[1] = INT64_C(1) << 40;
    test_expect_error("dims product overflows", tiny_load(ctx, &t, dir, "ovf.onnx"),
                      CLVIS_ERR_UNSUPPORTED);
    tiny_init(&t);
    t.w_dims[0] = INT64_C(1) << 31;
    test_expect_error("a 2 GB+ initializer claim", tiny_load(ctx, &t, dir, "big.onnx"),
                      CLVIS_ERR_UNSUPPORTED);
    /* a dangling input, a cycle (a node reading its own output), an unsupported op */
    tiny_init(&t);
    t.node_in[1] = "nowhere";
    test_expect_error("a dangling input", tiny_load(ctx, &t, dir, "dangle.onnx"),
                      CLVIS_ERR_FORMAT);
    tiny_init(&t);
    t.node_in[0] = "y";
    test_expect_error("a cycle", tiny_load(ctx, &t, dir, "cycle.onnx"), CLVIS_ERR_FORMAT);
    tiny_init(&t);
    t.node.op_type = "Einsum";
    clvis_status st = tiny_load(ctx, &t, dir, "einsum.onnx");
    test_expect_error("an unsupported op", st, CLVIS_ERR_UNSUPPORTED);
    test_check("  ... the message names the node and the op",
               strstr(clvis_last_error(), "'conv'") && strstr(clvis_last_error(), "Einsum"),
               clvis_last_error());
    tiny_init(&t);
    Onnx__AttributeProto ap;
    onnx__attribute_proto__init(&ap);
    ap.name = "auto_pad";
    ap.has_s = 1;
    ap.s.data = (uint8_t *)"SOMETIMES";
    ap.s.len = 9;
    Onnx__AttributeProto *aps[1] = {&ap};
    t.node.n_attribute = 1;
    t.node.attribute = aps;
    test_expect_error("an unsupported attribute value", tiny_load(ctx, &t, dir, "attr.onnx"),
                      CLVIS_ERR_UNSUPPORTED);
    test_check("  ... the message names the attribute value",
               strstr(clvis_last_error(), "SOMETIMES") != NULL, clvis_last_error());
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* #13: a 1-channel (grayscale) model runs every picture: the photo in gray as Pillow's
 * convert("L") gives it (then Keras' NEAREST resize, x / 255: the default of an ONNX model
 * with a 1-channel input that states nothing), Grad-CAM, and filter patterns drawn gray in RGB
 * whose loss goes up; caffe / torch preprocessing (three colour channels) refused. */
static void test_gray(clvis_ctx *ctx, const char *root)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/gray/model.onnx", root);
    clvis_model *m = NULL;
    if (clvis_model_load(ctx, path, NULL, &m)) {
        test_fail("gray model", clvis_last_error());
        return;
    }
    clvis_shape is = clvis_model_input_shape(m);
    test_check("gray model: 28x28x1 input, x/255 not stated",
               is.h == 28 && is.w == 28 && is.c == 1 &&
                   clvis_model_preprocess(m) == CLVIS_PREPROCESS_SCALE &&
                   !clvis_model_preprocess_source(m), "");
    float x[28 * 28];
    const char *photo = TEST_ONNX_DIR "/../viz/overlay_src.png";
    const char *want_l = TEST_ONNX_DIR "/../viz/overlay_src_L.png";
    clvis_image orig = {0}, lum = {0}, lum1 = {0}, small = {0};
    clvis_status st = clvis_input_load(m, photo, -1, x, &orig);
    if (!st)
        st = image_load(want_l, &lum);
    if (!st)
        st = image_alloc(&lum1, lum.w, lum.h, 1);
    for (int i = 0; !st && i < lum.w * lum.h; i++)
        lum1.px[i] = lum.px[i * 3];
    if (!st)
        st = keras_resize_nearest(&small, 28, 28, &lum1);
    if (st)
        test_fail("gray input", clvis_last_error());
    else {
        float want[28 * 28];
        for (int i = 0; i < 28 * 28; i++)
            want[i] = small.px[i] / 255.0f;
        test_compare_f("gray input: Pillow's convert('L') of the photo, NEAREST to 28x28, x/255",
                       x, want, 28 * 28, 0.0);
        test_check("gray input: the decoded photo stays RGB (overlays in colour)", orig.c == 3, "");
    }
    image_free(&orig), image_free(&lum), image_free(&lum1), image_free(&small);
    test_expect_error("gray model: --preprocess torch refused",
                      clvis_input_load(m, photo, CLVIS_PREPROCESS_TORCH, x, NULL),
                      CLVIS_ERR_UNSUPPORTED);
    clvis_gradcam_result r = {0};
    clvis_gradcam_options o = {.layer = -1, .cls = -1, .logit = 0};
    st = clvis_gradcam(m, x, &o, &r);
    test_check("gray model: Grad-CAM 14x14", !st && r.h == 14 && r.w == 14,
               st ? clvis_last_error() : "");
    clvis_gradcam_free(&r);
    int layer = -1;
    clvis_model_find_layer(m, "/conv2/Conv", &layer);
    clvis_filter_options fo;
    clvis_filter_options_default(&fo);
    fo.steps = 8;
    int filters[3] = {0, 5, 9};
    unsigned char pat[3 * 28 * 28 * 3];
    float loss[3 * 8], xf[3 * 28 * 28];
    st = clvis_filter_patterns(m, layer, filters, 3, NULL, &fo, xf, pat, loss, NULL, NULL);
    if (st)
        test_fail("gray model: filter patterns", clvis_last_error());
    else {
        int gray = 1, up = 1;
        for (int i = 0; i < 3 * 28 * 28; i++)
            gray &= pat[i * 3] == pat[i * 3 + 1] && pat[i * 3] == pat[i * 3 + 2];
        for (int f = 0; f < 3; f++)
            up &= loss[f * 8 + 7] > loss[f * 8];
        test_checkf(gray && up, "gray model: filter patterns drawn gray in RGB (R = G = B), the "
                    "loss goes up (filter 0: %.4f -> %.4f)", loss[0], loss[7]);
    }
    fo.preprocess = CLVIS_PREPROCESS_CAFFE;
    test_expect_error("gray model: filters --preprocess caffe refused",
                      clvis_filter_patterns(m, layer, filters, 3, NULL, &fo, NULL, pat, NULL, NULL,
                                            NULL),
                      CLVIS_ERR_UNSUPPORTED);
    clvis_model_destroy(m);
}

/* #14: saliency and evaluate on the binary model, the same convention as gradcam: class 1 = p,
 * class 0 = 1 - p. vanilla-signed of each class against Captum's Saliency(abs=False) of p and
 * of 1 - p (sal_class*.pb, relative to the largest 1e-4), class 0's exactly minus class 1's; the default class is
 * the predicted one; ig's completeness holds for class 0 (S = 1 - p); evaluate's deletion
 * curve of class 0 is 1 minus class 1's for the same map, its P(x) 1 - p; class 2 refused. */
static void binary_saliency_evaluate(clvis_model *m, const char *dir, float *x, size_t item,
                                     float p1)
{
    clvis_saliency_result r[2] = {{0}, {0}}, rd = {0};
    clvis_saliency_options so;
    clvis_status st = CLVIS_OK;
    for (int cls = 0; cls < 2 && !st; cls++) {
        clvis_saliency_options_default(&so);
        so.method = "vanilla-signed";
        so.cls = cls;
        st = clvis_saliency(m, x, &so, &r[cls]);
    }
    clvis_saliency_options_default(&so);
    so.method = "vanilla-signed";
    if (!st)
        st = clvis_saliency(m, x, &so, &rd);
    if (st) {
        test_fail("binary ONNX model: saliency of both classes", clvis_last_error());
        goto done;
    }
    double gmax = 0, neg = 0;
    for (size_t i = 0; i < item; i++) {
        gmax = fmax(gmax, fabs(r[1].attr[i]));
        neg = fmax(neg, fabs(r[0].attr[i] + r[1].attr[i]));
    }
    /* against Captum's Saliency(abs=False) of p and of 1 - p (make_binary_fixture.py) */
    tensor_file peer[2] = {{0}, {0}};
    double perr[2] = {1, 1}, pmax[2] = {0, 0};
    for (int cls = 0; cls < 2; cls++) {
        char name[32];
        snprintf(name, sizeof name, "sal_class%d.pb", cls);
        if (!read_pb(dir, name, &peer[cls]) || peer[cls].n != item)
            continue;
        perr[cls] = 0;
        int hw = r[cls].h * r[cls].w, c = r[cls].c;
        for (int q = 0; q < hw; q++) /* NCHW -> NHWC */
            for (int k = 0; k < c; k++) {
                double v = peer[cls].v[(size_t)k * hw + q];
                pmax[cls] = fmax(pmax[cls], fabs(v));
                perr[cls] = fmax(perr[cls], fabs(r[cls].attr[(size_t)q * c + k] - v));
            }
        free(peer[cls].v);
    }
    test_checkf(r[1].cls == 1 && fabsf(r[1].prob - p1) < 1e-5f && fabsf(r[1].score - p1) < 1e-5f &&
                    pmax[1] > 0 && perr[1] <= 1e-4 * pmax[1] && perr[0] <= 1e-4 * pmax[0],
                "binary ONNX model: saliency vanilla-signed of class 1 (p %.6f) and of class 0 "
                "vs Captum's Saliency of p and of 1 - p (max err %.3g, %.3g of max %.3g)",
                r[1].prob, perr[1], perr[0], pmax[1]);
    test_checkf(r[0].cls == 0 && fabsf(r[0].prob - (1 - p1)) < 1e-5f &&
                    fabsf(r[0].score - (1 - p1)) < 1e-5f && neg <= 1e-6 * gmax,
                "binary ONNX model: saliency class 0 = 1 - p (%.6f, score %.6f), its gradient "
                "minus class 1's (max |g0 + g1| %.3g)", r[0].prob, r[0].score, neg);
    test_checkf(rd.cls == (p1 > 0.5f), "binary ONNX model: saliency's default class is the "
                "predicted one (%d, p %.4f)", rd.cls, p1);
    clvis_saliency_result ri = {0}, ri1 = {0};
    clvis_saliency_options_default(&so);
    so.method = "ig";
    so.steps = test_quick() ? 8 : 32; /* Oclgrind: fewer nodes */
    so.cls = 1;
    st = clvis_saliency(m, x, &so, &ri1);
    so.cls = 0;
    if (st || (st = clvis_saliency(m, x, &so, &ri)))
        test_fail("binary ONNX model: ig of both classes", clvis_last_error());
    else {
        double want = (double)ri.score - ri.score_baseline;
        double want1 = (double)ri1.score - ri1.score_baseline;
        /* the ReLU kinks leave 32 Gauss-Legendre nodes about 1% off completeness here */
        test_checkf(ri.cls == 0 && fabs(ri.ig_sum + ri1.ig_sum) <= 1e-6 * fabs(ri1.ig_sum) &&
                        fabs(want + want1) <= 1e-6 && fabs(ri.ig_sum - want) <= 3e-2 * fabs(want),
                    "binary ONNX model: ig of class 0 = minus class 1's (sum %.6g, %.6g); "
                    "S(x) - S(baseline) = (1 - p(x)) - (1 - p(baseline)) = %.6g, sum(attr) "
                    "within 3%%", ri.ig_sum, ri1.ig_sum, want);
    }
    clvis_saliency_free(&ri1);
    clvis_saliency_free(&ri);
    clvis_saliency_options_default(&so);
    so.cls = 2;
    test_expect_error("binary ONNX model: saliency class 2 refused", clvis_saliency(m, x, &so, &ri),
                      CLVIS_ERR_INVALID_ARG);
    clvis_saliency_free(&ri);
    /* evaluate: the same map (|dp/dx|) judged for both classes */
    float *map = malloc((size_t)r[1].h * r[1].w * sizeof *map);
    clvis_evaluate_result e[2] = {{0}, {0}}, ed = {0};
    clvis_evaluate_options eo;
    clvis_evaluate_options_default(&eo);
    eo.metric = "deletion";
    eo.steps = 8;
    for (int i = 0; map && i < r[1].h * r[1].w; i++)
        map[i] = fabsf(r[1].map[i]);
    st = map ? CLVIS_OK : CLVIS_ERR_NO_MEMORY;
    for (int cls = 0; cls < 2 && !st; cls++)
        st = clvis_evaluate(m, x, map, r[1].h, r[1].w, cls, &eo, &e[cls]);
    if (!st)
        st = clvis_evaluate(m, x, map, r[1].h, r[1].w, -1, &eo, &ed);
    if (st)
        test_fail("binary ONNX model: evaluate of both classes", clvis_last_error());
    else {
        double cerr = e[0].n_curve == e[1].n_curve && e[1].n_curve == 9 ? 0 : 1;
        for (int i = 0; !cerr && i < e[1].n_curve; i++)
            cerr = fmax(cerr, fabs(e[0].curve[i] - (1.0 - e[1].curve[i])));
        test_checkf(e[1].cls == 1 && fabsf(e[1].prob - p1) < 1e-5f && e[0].cls == 0 &&
                        fabsf(e[0].prob - (1 - p1)) < 1e-5f && cerr <= 1e-6 &&
                        fabs(e[0].value + e[1].value - 1.0) <= 1e-5 && ed.cls == (p1 > 0.5f),
                    "binary ONNX model: evaluate deletion of class 0 = 1 - class 1's curve "
                    "(max err %.3g; AUC %.4f + %.4f = 1), P(x) %.6f / %.6f, the default class "
                    "the predicted one", cerr, e[0].value, e[1].value, e[0].prob, e[1].prob);
    }
    clvis_evaluate_free(&e[0]), clvis_evaluate_free(&e[1]), clvis_evaluate_free(&ed);
    test_expect_error("binary ONNX model: evaluate class 2 refused",
                      clvis_evaluate(m, x, map ? map : x, r[1].h, r[1].w, 2, &eo, &ed),
                      CLVIS_ERR_INVALID_ARG);
    free(map);
done:
    clvis_saliency_free(&r[0]), clvis_saliency_free(&r[1]), clvis_saliency_free(&rd);
}

/* #13: a one-output sigmoid model exported from PyTorch (tests/data/onnx_binary,
 * tools/fixtures/make_binary_fixture.py): class 1 = p and class 0 = 1 - p; Grad-CAM of each
 * class against pytorch-grad-cam's GradCAM with BinaryClassifierOutputTarget (class 0: the
 * gradient of -p), Pearson r >= MIN_PEARSON at the layer's resolution; the default class is the
 * predicted one. */
static void test_binary(clvis_ctx *ctx, const char *root)
{
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/../onnx_binary", root);
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    clvis_model *m = NULL;
    tensor_file in = {0}, outp = {0}, cam[2] = {{0}, {0}};
    if (clvis_model_load(ctx, path, NULL, &m)) {
        test_fail("binary model", clvis_last_error());
        return;
    }
    if (!read_pb(dir, "input.pb", &in) || !read_pb(dir, "output.pb", &outp) ||
        !read_pb(dir, "cam_class0.pb", &cam[0]) || !read_pb(dir, "cam_class1.pb", &cam[1]) ||
        outp.n != 1) {
        test_fail("binary model", "fixture files missing (tools/fixtures/make_binary_fixture.py)");
        goto done;
    }
    clvis_shape is = clvis_model_input_shape(m);
    size_t item = clvis_input_count(m);
    float *x = malloc(item * sizeof *x);
    for (int c = 0; x && c < is.c; c++) /* NCHW -> NHWC */
        for (int p = 0; p < is.h * is.w; p++)
            x[(size_t)p * is.c + c] = in.v[(size_t)c * is.h * is.w + p];
    float p1 = outp.v[0];
    clvis_prediction top[2];
    int nt = 0;
    clvis_status st = clvis_predict(m, x, 2, top, &nt, NULL, 0, NULL);
    test_checkf(!st && nt == 2 && top[0].index == (p1 > 0.5f) &&
                    fabsf(top[0].score - (p1 > 0.5f ? p1 : 1 - p1)) < 1e-5f &&
                    fabsf(top[0].score + top[1].score - 1) < 1e-6f,
                "binary ONNX model: predict gives class 1 = p = %.6f (PyTorch) and class 0 = 1 - p "
                "(got %d: %.6f, %d: %.6f)", p1, top[0].index, top[0].score, top[1].index,
                top[1].score);
    for (int cls = -1; cls < 2; cls++) {
        clvis_gradcam_options o = {.layer = -1, .cls = cls, .logit = 0};
        clvis_gradcam_result r = {0};
        int want = cls < 0 ? (p1 > 0.5f) : cls;
        char label[200];
        snprintf(label, sizeof label, "binary ONNX model: gradcam %s vs pytorch-grad-cam's "
                 "BinaryClassifierOutputTarget(%d)", cls < 0 ? "(default class)" :
                 cls ? "--class 1" : "--class 0", want);
        if (!x || (st = clvis_gradcam(m, x, &o, &r)))
            test_fail(label, clvis_last_error());
        else if ((size_t)r.h * r.w != cam[want].n || r.cls != want)
            test_fail(label, "map size or class differs");
        else {
            double pr = pearson(r.map, cam[want].v, cam[want].n);
            char d[160];
            snprintf(d, sizeof d, "class %d, p %.6f, %dx%d, Pearson r = %.6f (>= %.3f)", r.cls,
                     r.prob, r.h, r.w, pr, MIN_PEARSON);
            test_check(label, pr >= MIN_PEARSON &&
                                  fabsf(r.prob - (want ? p1 : 1 - p1)) < 1e-5f, d);
        }
        clvis_gradcam_free(&r);
    }
    if (x)
        binary_saliency_evaluate(m, dir, x, item, p1);
    free(x);
done:
    free(in.v), free(outp.v), free(cam[0].v), free(cam[1].v);
    clvis_model_destroy(m);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : TEST_ONNX_DIR;
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    DIR *d = opendir(root);
    char *names[256];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    test_check("fixture cases present", n >= 5, root);
    for (int k = 0; k < n; k++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, names[k]);
        run_case(ctx, dir, names[k]);
        free(names[k]);
    }
    bad_inputs(ctx);
    test_gray(ctx, root);
    test_binary(ctx, root);
    clvis_ctx_destroy(ctx);
    return test_summary();
}
