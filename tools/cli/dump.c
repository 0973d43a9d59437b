/* dump.c — `clvis dump`: every layer's output (and with --grad, gradients) of one image into
 * an HDF5 file. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/util.h"

/* One float dataset named after a layer in group g. Layer names become HDF5 paths: an ONNX
 * name such as /layer1/layer1.0/conv1/Conv is act/layer1/layer1.0/conv1/Conv (the leading '/'
 * dropped, intermediate groups created); a name that cannot be a path (an empty part, '.', or
 * a part that is already a dataset) falls back to '/' written as '|'. The exact layer name is
 * the dataset's "layer" attribute. */
static int write_layer(hid_t g, const char *name, int rank, const hsize_t *dims, const float *v)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", name[0] == '/' ? name + 1 : name);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(g, path, H5T_NATIVE_FLOAT, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) {
        for (char *c = path; *c; c++)
            *c = *c == '/' ? '|' : *c;
        d = H5Dcreate2(g, path, H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    }
    int ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
             H5LTset_attribute_string(g, path, "layer", name) >= 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    H5Pclose(lcpl);
    return ok;
}

int cmd_dump(cli_args *o)
{
    session s;
    if (session_open(o, &s, 1))
        return 1;
    clvis_model *m = s.model;
    int rc = 0, n = clvis_model_layer_count(m), gl = -1, gc = -1;
    float *x = NULL, *buf = NULL, *seed = NULL;
    if (o->grad) {
        const char *name = o->grad_layer;
        gc = (int)o->grad_channel;
        if ((rc = cli_find_layer(m, name, &gl)))
            goto done;
        if (gc >= clvis_model_layer_shape(m, gl).c) {
            rc = cli_fail("--grad: channel %d out of range for layer '%s' (%d channels)", gc, name,
                          clvis_model_layer_shape(m, gl).c);
            goto done;
        }
    }
    if ((rc = out_prepare(o->out)))
        goto done;
    size_t maxc = 0;
    for (int i = 0; i < n; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        size_t c = (size_t)sh.h * sh.w * sh.c;
        maxc = c > maxc ? c : maxc;
    }
    x = malloc(clvis_input_count(m) * sizeof *x);
    buf = malloc(maxc * sizeof *buf);
    clvis_status st = clvis_input_load(m, o->pos[0], o->preprocess, x, NULL);
    if (!st)
        st = clvis_model_forward(m, x, 1, -1);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    char stem[200], fname[300], path[1400], tmp[1500];
    cli_stem(o->pos[0], stem, sizeof stem);
    out_names names = {0};
    rc = out_name(&names, "dump_", stem, ".h5", NULL, fname, sizeof fname);
    out_names_free(&names);
    if (rc || (rc = out_path(path, sizeof path, o->out, fname)))
        goto done;
    /* an unpredictable temporary beside the result, created exclusively (H5F_ACC_EXCL is
     * O_CREAT|O_EXCL: a link or file planted there is never followed or reused) */
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (unsigned long long)util_now_ms() * 2654435761u;
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 1;
    snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%d.%016llx", dlen, slash ? path : ".", fname,
             (int)getpid(), r);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        rc = cli_fail("%s: cannot create", tmp);
        goto done;
    }
    int live = util_live_add(tmp); /* removed if a signal ends the run */
    hid_t ga = H5Gcreate2(f, "act", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = ga >= 0;
    for (int i = 0; i < n && ok; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        hsize_t dims[4] = {1, (hsize_t)sh.h, (hsize_t)sh.w, (hsize_t)sh.c};
        int flat = sh.h == 1 && sh.w == 1 && i > 0;
        if (flat)
            dims[1] = (hsize_t)sh.c;
        ok = !clvis_model_read(m, i, buf) &&
             write_layer(ga, clvis_model_layer_name(m, i), flat ? 2 : 4, dims, buf);
    }
    if (ga >= 0)
        H5Gclose(ga);
    if (ok && gl >= 0) {
        clvis_shape sh = clvis_model_layer_shape(m, gl);
        size_t cnt = (size_t)sh.h * sh.w * sh.c;
        seed = calloc(cnt, sizeof *seed);
        for (size_t p = 0; p < (size_t)sh.h * sh.w; p++)
            seed[p * sh.c + gc] = 1.0f / (float)(sh.h * sh.w);
        hid_t gg = H5Gcreate2(f, "grad", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = gg >= 0;
        for (int i = 0; i <= gl && ok; i++) {
            clvis_shape si = clvis_model_layer_shape(m, i);
            hsize_t dims[4] = {1, (hsize_t)si.h, (hsize_t)si.w, (hsize_t)si.c};
            st = clvis_model_backward(m, gl, seed, i, buf);
            if (st == CLVIS_OK)
                ok = write_layer(gg, clvis_model_layer_name(m, i), 4, dims, buf);
        }
        if (gg >= 0) {
            H5LTset_attribute_string(gg, ".", "of", o->grad);
            H5Gclose(gg);
        }
    }
    H5Fclose(f);
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        util_live_remove(live);
        rc = cli_fail("%s: writing the dump failed (%s)", path, clvis_last_error());
        goto done;
    }
    util_live_remove(live);
    printf("%s\n", path);
done:
    free(x);
    free(buf);
    free(seed);
    session_close(&s);
    return rc;
}

