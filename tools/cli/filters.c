/* filters.c — `clvis filters`: filter patterns by gradient ascent (listings 5.36-5.39), grids
 * or one pattern. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/util.h"

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* --init: a PNG/JPEG (RGB values 0..255 as floats), or FILE.h5[:DATASET] of size*size*3 floats
 * (a leading batch dimension of 1 is fine); default dataset "start", else "filters/start". */
static int load_init(const char *spec, int size, int nc, float **out)
{
    size_t need = (size_t)size * size * nc;
    const char *colon = strrchr(spec, ':');
    char path[1024];
    const char *dset = NULL;
    snprintf(path, sizeof path, "%s", spec);
    if (colon && !file_exists(spec)) {
        path[colon - spec] = 0;
        dset = colon + 1;
    }
    float *x = malloc(need * sizeof *x);
    if (!x)
        return cli_fail("out of memory");
    if (H5Fis_hdf5(path) > 0) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) {
            free(x);
            return cli_fail("%s: cannot open HDF5 file", path);
        }
        const char *cands[] = {dset, "start", "filters/start"};
        const char *use = NULL;
        for (int i = 0; i < 3 && !use; i++)
            if (cands[i] && H5LTfind_dataset(f, cands[i]) >= 0 &&
                H5Lexists(f, cands[i], H5P_DEFAULT) > 0)
                use = cands[i];
        int rank = 0;
        hsize_t dims[8];
        size_t n = 0;
        if (use && H5LTget_dataset_ndims(f, use, &rank) >= 0 && rank <= 8 &&
            H5LTget_dataset_info(f, use, dims, NULL, NULL) >= 0) {
            n = 1;
            for (int i = 0; i < rank; i++)
                n *= dims[i];
        }
        if (!use || n != need || H5LTread_dataset_float(f, use, x) < 0) {
            H5Fclose(f);
            free(x);
            return cli_fail("%s: %s%s must be a float dataset of %dx%dx%d values", path,
                            use ? "dataset " : "no dataset 'start'", use ? use : "", size, size,
                            nc);
        }
        H5Fclose(f);
    } else {
        clvis_image img = {0};
        clvis_status st = clvis_image_load(path, &img);
        if (st) {
            free(x);
            return cli_fail_st(st);
        }
        if (img.w != size || img.h != size) {
            clvis_image_free(&img);
            free(x);
            return cli_fail("%s: start image is %dx%d, the pattern size is %dx%d", path, img.w,
                            img.h, size, size);
        }
        for (size_t i = 0; i < need; i++) /* a gray model: the luma of Pillow's convert("L") */
            x[i] = nc == 3 ? img.px[i]
                           : (float)((img.px[i * 3] * 19595u + img.px[i * 3 + 1] * 38470u +
                                      img.px[i * 3 + 2] * 7471u + 0x8000u) >> 16);
        clvis_image_free(&img);
    }
    *out = x;
    return 0;
}

int cmd_filters(cli_args *o)
{
    if (o->lucid.style == 1) /* feature visualisation as Lucid does it */
        return cmd_filters_lucid(o);
    session s;
    if (session_open(o, &s, 1))
        return 1;
    labels lab;
    if (session_labels(o, &s, &lab)) {
        session_close(&s);
        return 1;
    }
    int rc = 0, *layers = NULL, nl = 0;
    float *init = NULL;
    clvis_shape in = clvis_model_input_shape(s.model);
    int last = clvis_model_layer_count(s.model) - 1, out_layer = -1;
    if (o->layer && clvis_model_find_layer(s.model, o->layer, &out_layer) == CLVIS_OK &&
        out_layer != last)
        out_layer = -1;
    /* the book: generate_pattern(size=150) for one pattern, 64x64 cells in the grids; class
     * visualisation (the output layer) at the model's own input size (a Flatten needs it) */
    int size = o->size              ? (int)o->size
               : out_layer >= 0     ? (in.h == in.w ? in.h : 150)
               : o->filter >= 0     ? 150
                                    : 64;
    if (in.c != 3 && in.c != 1) {
        rc = cli_fail("%s: filter patterns need an RGB or gray model input (got %d channels)",
                      s.model_path, in.c);
        goto done;
    }
    if (size < 8 || size > 4096) {
        rc = cli_fail("--size %d: choose 8..4096", size);
        goto done;
    }
    if (clvis_model_set_input_size(s.model, size, size) != CLVIS_OK) {
        rc = cli_fail("--size %d: %s", size, clvis_last_error());
        goto done;
    }
    if (o->layer) {
        layers = calloc(1, sizeof *layers);
        nl = 1;
        if ((rc = cli_find_layer(s.model, o->layer, &layers[0])))
            goto done;
    } else if (o->layers) {
        if ((rc = cli_parse_layers(s.model, o->layers, &layers, &nl)))
            goto done;
    } else {
        static const char *vgg[] = {"block1_conv1", "block2_conv1", "block3_conv1",
                                    "block4_conv1"};
        layers = calloc(4, sizeof *layers);
        for (int i = 0; i < 4; i++) {
            int id;
            if (!clvis_model_find_layer(s.model, vgg[i], &id))
                layers[nl++] = id;
        }
        if (nl == 0) /* not a VGG: the first four convolution layers */
            for (int i = 1; i < clvis_model_layer_count(s.model) && nl < 4; i++)
                if (strstr(clvis_model_layer_type(s.model, i), "Conv"))
                    layers[nl++] = i;
        if (nl == 0) {
            rc = cli_fail("%s has no convolution layer; use --layers", s.model_path);
            goto done;
        }
    }
    for (int i = 0; i < nl; i++) {
        clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
        const char *lname = clvis_model_layer_name(s.model, layers[i]);
        int is_out = layers[i] == last, nf = is_out ? clvis_class_count(s.model) : sh.c;
        if (layers[i] == 0 || (sh.h == 1 && sh.w == 1 && !is_out)) {
            rc = cli_fail("layer '%s' (%s) has no spatial feature maps for filter patterns (the "
                          "output layer '%s' takes --filter K: class visualisation)", lname,
                          clvis_model_layer_type(s.model, layers[i]),
                          clvis_model_layer_name(s.model, last));
            goto done;
        }
        /* an index the layer does not have is a usage error (exit 2) */
        long worst = o->filter;
        for (int k = 0; k < o->n_filters; k++)
            worst = o->filters[k] > worst ? o->filters[k] : worst;
        if (worst >= nf) {
            rc = cli_usage_fail("%s %ld out of range: layer '%s' has %d %s (0..%d)",
                                is_out ? "class" : "filter", worst, lname, nf,
                                is_out ? (nf == 2 && sh.c == 1 ? "classes (one sigmoid output: "
                                          "class 1 = its logit, class 0 = minus it)"
                                                                : "classes")
                                       : "filters",
                                nf - 1);
            goto done;
        }
    }
    if (o->init && (rc = load_init(o->init, size, in.c, &init)))
        goto done;
    if ((rc = out_prepare(o->out)))
        goto done;
    clvis_filter_options fo;
    clvis_filter_options_default(&fo);
    fo.seed = (uint32_t)o->seed;
    fo.steps = (int)o->steps;
    fo.chunk = (int)o->chunk;
    fo.init = init;
    /* the book feeds the image raw; --preprocess puts that preprocessing in front of the model */
    fo.preprocess = o->preprocess >= 0 ? (clvis_preprocess)o->preprocess : CLVIS_PREPROCESS_RAW;
    report_entry *e = calloc((size_t)nl, sizeof *e);
    char (*caps)[512] = calloc((size_t)nl, sizeof *caps);
    char (*files)[300] = calloc((size_t)nl, sizeof *files);
    int ne = 0;
    out_names names = {0};
    for (int i = 0; i < nl && !rc; i++) {
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        double t0 = util_now_ms();
        clvis_image img = {0};
        clvis_status st;
        char shown[200] = "";
        if (o->filter >= 0) {
            char suffix[32];
            snprintf(suffix, sizeof suffix, "_%ld.png", o->filter);
            if (out_name(&names, "pattern_", name, suffix, NULL, files[ne], sizeof files[ne])) {
                rc = 1;
                break;
            }
            int f = (int)o->filter;
            img = (clvis_image){size, size, 3, malloc((size_t)size * size * 3)};
            if (!img.px) {
                rc = cli_fail("out of host memory");
                break;
            }
            st = clvis_filter_patterns(s.model, layers[i], &f, 1, NULL, &fo, NULL, img.px,
                                       NULL, NULL, NULL); /* progress: cli_count, per step */
            if (layers[i] == last) {
                const char *cn = labels_name(&lab, f);
                snprintf(caps[ne], sizeof caps[ne],
                         "class visualisation of class %d%s%s of %s: gradient ascent on its "
                         "pre-softmax score, %dx%d, %d steps, %s", f, cn ? " " : "",
                         cn ? cn : "", name, size, size, fo.steps,
                         init ? "start from --init" : "seeded start");
            } else
                snprintf(caps[ne], sizeof caps[ne],
                         "pattern of filter %ld of %s, %dx%d, %d steps, %s", o->filter, name,
                         size, size, fo.steps, init ? "start from --init" : "seeded start");
        } else {
            if (out_name(&names, "filters_", name, ".png", NULL, files[ne], sizeof files[ne])) {
                rc = 1;
                break;
            }
            int nch = layers[i] == last ? clvis_class_count(s.model)
                                        : clvis_model_layer_shape(s.model, layers[i]).c;
            int nf = o->n_filters ? o->n_filters : nch < 64 ? nch : 64, rows, cols;
            int *fl = o->n_filters ? o->filters : calloc((size_t)nf, sizeof *fl);
            if (!fl) {
                rc = cli_fail("out of host memory");
                break;
            }
            for (int k = 0; !o->n_filters && k < nf; k++)
                fl[k] = k;
            st = clvis_filter_grid(s.model, layers[i], fl, nf, &fo, &img, NULL, NULL);
            if (fl != o->filters)
                free(fl);
            rows = nf < 8 ? nf : 8;
            cols = (nf + 7) / 8;
            char which[96];
            if (o->n_filters)
                snprintf(which, sizeof which, "filters %.60s", o->filters_spec);
            else
                snprintf(which, sizeof which, "filters 0..%d%s", nf - 1,
                         nf < nch ? "" : nch == nf && nch < 64 ? " (all)" : "");
            snprintf(caps[ne], sizeof caps[ne],
                     "filter patterns of %s: %s of %d, %d row%s x %d column%s (the list's "
                     "filter i+8j at row i, column j), %dx%d each, %d steps, seed %ld",
                     name, which, nch, rows, rows > 1 ? "s" : "", cols, cols > 1 ? "s" : "",
                     size, size, fo.steps, o->seed);
            snprintf(shown, sizeof shown, " (%s of %d: %d row%s x %d column%s)", which, nch, rows,
                     rows > 1 ? "s" : "", cols, cols > 1 ? "s" : "");
        }
        char path[1400];
        if (!st && out_path(path, sizeof path, o->out, files[ne])) {
            clvis_image_free(&img);
            rc = 1;
            break;
        }
        if (!st)
            st = clvis_image_write_png(path, &img);
        int img_w = img.w, img_h = img.h;
        clvis_image_free(&img);
        if (st) {
            rc = cli_fail_st(st);
            break;
        }
        double ms = util_now_ms() - t0;
        printf("%s %.0f ms%s\n", path, ms, shown);
        fflush(stdout);
        session_preprocess_note(o, &s, 1);
        e[ne] = (report_entry){.command = "filters", .file = files[ne], .caption = caps[ne],
                               .model = s.model_path, .device = s.device, .ms = ms,
                               .role = REPORT_ROLE_GRID, .w = img_w, .h = img_h};
        ne++;
    }
    out_names_free(&names);
    if (ne)
        rc |= out_report(o, e, ne);
    free(e);
    free(caps);
    free(files);
done:
    free(layers);
    free(init);
    labels_free(&lab);
    session_close(&s);
    return rc;
}

