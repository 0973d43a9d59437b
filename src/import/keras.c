/* keras.c — keras_load: detects the file format by content and drives the loaders: Keras 2
 * HDF5 (full model or weights-only + bundled / JSON architecture), Keras 3 .keras (libzip) and
 * .weights.h5. Weights are read in the order the file lists them (layer_names / weight_names,
 * or layers/<class_snake>[_N]/vars/0..), never by guessed names. */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "../core/error.h"
#include "keras_internal.h"

static const unsigned char HDF5_SIG[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int is_zip(const unsigned char *head, size_t n)
{
    return n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
}

int keras_probe(const char *path, const unsigned char *head, size_t n)
{
    if (is_zip(head, n))
        return 1;
    if (n >= 8 && memcmp(head, HDF5_SIG, 8) == 0)
        return 1;
    kh5_quiet();
    return H5Fis_hdf5(path) > 0; /* a user block puts the signature at 512, 1024, ... */
}

clvis_status keras_detect(const char *path, keras_format *fmt)
{
    unsigned char head[8] = {0};
    *fmt = KERAS_FMT_UNKNOWN;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(CLVIS_ERR_IO, "%s: cannot open the file", path);
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (!keras_probe(path, head, got))
        return err_set(CLVIS_ERR_FORMAT, "%s: not a Keras file (neither HDF5 nor a .keras zip)",
                       path);
    if (is_zip(head, got)) {
        *fmt = KERAS_FMT_K3_ZIP;
        return CLVIS_OK;
    }
    hid_t file;
    clvis_status st = kh5_open(path, NULL, 0, &file);
    if (st != CLVIS_OK)
        return st;
    if (kh5_has_attr(file, "model_config"))
        *fmt = KERAS_FMT_H5_MODEL;
    else if (kh5_has_attr(file, "layer_names") || kh5_has_attr(file, "layer_names0"))
        *fmt = KERAS_FMT_H5_WEIGHTS;
    else if (kh5_has_link(file, "layers"))
        *fmt = KERAS_FMT_K3_WEIGHTS;
    H5Fclose(file);
    if (*fmt == KERAS_FMT_UNKNOWN)
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: an HDF5 file but not a Keras model (no model_config, layer_names "
                       "or layers/)",
                       path);
    return CLVIS_OK;
}

/* ---- files and zips ----------------------------------------------------------------------- */

static clvis_status read_text_file(const char *path, char **out)
{
    /* a regular file of at most KERAS_MAX_CONFIG_BYTES; O_NONBLOCK: a FIFO never blocks */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot open the file", path);
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return err_set(CLVIS_ERR_IO, "%s: not a regular file", path);
    }
    if (sb.st_size > (off_t)KERAS_MAX_CONFIG_BYTES) {
        close(fd);
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: a model config of %lld bytes, larger than the limit (%u MiB)", path,
                       (long long)sb.st_size, KERAS_MAX_CONFIG_BYTES >> 20);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return err_set(CLVIS_ERR_IO, "%s: cannot open the file", path);
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return err_set(CLVIS_ERR_IO, "%s: read error", path);
    }
    buf[len] = '\0';
    *out = buf;
    return CLVIS_OK;
}

/* An entry of at most max bytes inflated: its declared size is checked before anything is
 * allocated, and an entry that inflates past its declared size is refused. */
static clvis_status zip_read_entry(const char *src, zip_t *z, const char *name, uint64_t max,
                                   const char *why, char **out, size_t *out_len)
{
    zip_stat_t sb;
    zip_stat_init(&sb);
    if (zip_stat(z, name, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE))
        return err_set(CLVIS_ERR_FORMAT, "%s: the .keras archive has no %s", src, name);
    if (sb.size > max || sb.size > ((zip_uint64_t)1 << 34))
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: %s inflates to %llu bytes, over the limit of %llu (%s)", src, name,
                       (unsigned long long)sb.size, (unsigned long long)max, why);
    char *buf = malloc((size_t)sb.size + 1);
    if (!buf)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory reading %s", src, name);
    zip_file_t *zf = zip_fopen(z, name, 0);
    if (!zf) {
        free(buf);
        return err_set(CLVIS_ERR_FORMAT, "%s: cannot open %s in the archive: %s", src, name,
                       zip_strerror(z));
    }
    zip_uint64_t got = 0;
    while (got < sb.size) {
        zip_int64_t r = zip_fread(zf, buf + got, sb.size - got);
        if (r <= 0)
            break;
        got += (zip_uint64_t)r;
    }
    int bad = got != sb.size;
    char msg[256];
    if (bad)
        snprintf(msg, sizeof msg, "%s", zip_file_strerror(zf));
    char extra;
    if (!bad && zip_fread(zf, &extra, 1) > 0) { /* more data than the header declared */
        bad = 1;
        snprintf(msg, sizeof msg, "it inflates past its declared %llu bytes",
                 (unsigned long long)sb.size);
    }
    zip_fclose(zf);
    if (bad) {
        free(buf);
        return err_set(CLVIS_ERR_FORMAT, "%s: cannot read %s from the archive (%s)", src, name,
                       msg);
    }
    buf[sb.size] = '\0';
    *out = buf;
    *out_len = (size_t)sb.size;
    return CLVIS_OK;
}

/* ---- Keras 2 weights: layer_names / weight_names ----------------------------------------- */

static clvis_status load_k2_weights(kmodel *km, hid_t root, const char *where)
{
    char **layers = NULL, **wnames = NULL;
    int n_layers = 0, n_w = 0;
    kweight w[KW_MAX + 4];
    int n_read = 0;
    clvis_status st = kh5_attr_strings(km->src, root, where, "layer_names", &layers, &n_layers);
    if (st != CLVIS_OK)
        return st;
    for (int i = 0; i < n_layers && st == CLVIS_OK; i++) {
        const char *ln = layers[i];
        char lwhere[600];
        snprintf(lwhere, sizeof lwhere, "%s/%s", strcmp(where, "/") ? where : "", ln);
        int li = kjson_find(km, ln);
        if (!kh5_has_link(root, ln)) {
            if (li >= 0 && km->layers[li].n_w > 0)
                st = err_set(CLVIS_ERR_FORMAT, "%s: missing weight group %s", km->src, lwhere);
            continue;
        }
        hid_t grp = H5Gopen2(root, ln, H5P_DEFAULT);
        if (grp < 0) {
            st = err_set(CLVIS_ERR_FORMAT, "%s: %s is not a group", km->src, lwhere);
            break;
        }
        st = kh5_attr_strings(km->src, grp, lwhere, "weight_names", &wnames, &n_w);
        if (st == CLVIS_ERR_NOT_FOUND) { /* a layer without weights */
            st = CLVIS_OK;
            n_w = 0;
        }
        if (st == CLVIS_OK && li < 0 && n_w > 0)
            st = err_set(CLVIS_ERR_FORMAT,
                         "%s: the file has weights for layer '%s', which the model does not have",
                         km->src, ln);
        if (st == CLVIS_OK && n_w > KW_MAX + 4)
            st = err_set(CLVIS_ERR_FORMAT, "%s: layer '%s' lists %d weights", km->src, ln, n_w);
        if (st == CLVIS_OK && li >= 0) {
            for (n_read = 0; n_read < n_w && st == CLVIS_OK; n_read++) {
                const char *wn = wnames[n_read];
                char alt[512];
                size_t len = strlen(wn);
                /* weight_names and dataset names agree on ":0" in every file seen; tolerate a
                 * file that differs only in that suffix. */
                if (!kh5_has_link(grp, wn) && len + 3 < sizeof alt) {
                    if (len > 2 && !strcmp(wn + len - 2, ":0"))
                        snprintf(alt, sizeof alt, "%.*s", (int)(len - 2), wn);
                    else
                        snprintf(alt, sizeof alt, "%s:0", wn);
                    if (kh5_has_link(grp, alt))
                        wn = alt;
                }
                st = kh5_read(km->src, grp, wn, lwhere,
                              kjson_max_weight_count(&km->layers[li]), &w[n_read]);
            }
            if (st != CLVIS_OK)
                n_read--; /* the failed one holds nothing */
            else
                st = kjson_set_weights(km, li, w, n_w);
            kweight_free(w, n_read);
        }
        kh5_free_strings(wnames, n_w);
        wnames = NULL;
        H5Gclose(grp);
    }
    kh5_free_strings(layers, n_layers);
    return st;
}

/* ---- Keras 3 weights: layers/<class_snake>[_N]/vars/0.. --------------------------------- */

/* Keras's naming.to_snake_case: drop \W, "(.)([A-Z][a-z]+)" -> "\1_\2",
 * "([a-z])([A-Z])" -> "\1_\2", lower. */
static void snake_case(const char *in, char *out, size_t cap)
{
    char a[128], b[192];
    size_t n = 0, m = 0;
    for (const char *p = in; *p && n + 1 < sizeof a; p++)
        if (isalnum((unsigned char)*p) || *p == '_')
            a[n++] = *p;
    a[n] = '\0';
    for (size_t i = 0; i < n && m + 3 < sizeof b;) {
        if (i + 2 < n && isupper((unsigned char)a[i + 1]) &&
            islower((unsigned char)a[i + 2])) {
            b[m++] = a[i];
            b[m++] = '_';
            b[m++] = a[i + 1];
            i += 2;
            while (i < n && islower((unsigned char)a[i]) && m + 1 < sizeof b)
                b[m++] = a[i++];
        } else {
            b[m++] = a[i++];
        }
    }
    b[m] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < m && k + 2 < cap;) {
        if (i + 1 < m && islower((unsigned char)b[i]) && isupper((unsigned char)b[i + 1])) {
            out[k++] = b[i];
            out[k++] = '_';
            out[k++] = b[i + 1];
            i += 2;
        } else {
            out[k++] = b[i++];
        }
    }
    out[k] = '\0';
    for (size_t i = 0; i < k; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
}

static clvis_status load_k3_weights(kmodel *km, hid_t root)
{
    clvis_status st = CLVIS_OK;
    char (*snakes)[64] = calloc((size_t)km->n_layers + 1, sizeof *snakes);
    if (!snakes)
        return err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
    for (int li = 0; li < km->n_layers && st == CLVIS_OK; li++) {
        klayer *L = &km->layers[li];
        char path[160], vpath[200];
        int same = 0;
        snake_case(L->cls, snakes[li], sizeof snakes[li]);
        for (int j = 0; j < li; j++)
            same += strcmp(snakes[j], snakes[li]) == 0;
        if (same)
            snprintf(path, sizeof path, "layers/%s_%d", snakes[li], same);
        else
            snprintf(path, sizeof path, "layers/%s", snakes[li]);
        int n = 0;
        kweight w[KW_MAX + 4];
        for (; n < KW_MAX + 4; n++) {
            snprintf(vpath, sizeof vpath, "%s/vars/%d", path, n);
            if (!kh5_has_link(root, vpath))
                break;
            if ((st = kh5_read(km->src, root, vpath, "", kjson_max_weight_count(L), &w[n])) !=
                CLVIS_OK)
                break;
            memmove(w[n].path, w[n].path + 1, strlen(w[n].path)); /* drop the leading '/' */
        }
        if (st == CLVIS_OK && n == 0 && L->n_w > 0)
            st = err_set(CLVIS_ERR_FORMAT, "%s: layer '%s' (%s): missing weights %s/vars/0..",
                         km->src, L->name, L->cls, path);
        else if (st == CLVIS_OK)
            st = kjson_set_weights(km, li, w, n);
        kweight_free(w, n);
    }
    free(snakes);
    return st;
}

/* ---- the loaders ------------------------------------------------------------------------- */

static clvis_status build_from_file(clvis_ctx *ctx, const char *cfg_path, kmodel *km)
{
    char *text = NULL;
    clvis_status st = read_text_file(cfg_path, &text);
    if (st != CLVIS_OK)
        return st;
    const char *src = km->src;
    km->src = cfg_path;
    st = kjson_build_text(ctx, text, km);
    km->src = src;
    free(text);
    return st;
}

static clvis_status build_arch(clvis_ctx *ctx, const char *arch, kmodel *km)
{
    char *cfg = arch_vgg_config(arch);
    if (!cfg)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "unknown architecture '%s' (vgg16, vgg19, vgg16_notop, vgg19_notop)",
                       arch);
    clvis_status st = kjson_build_text(ctx, cfg, km);
    free(cfg);
    return st;
}

static clvis_status load_h5(clvis_ctx *ctx, const char *path, keras_format fmt,
                            const clvis_load_options *opt, kmodel *km, int *is_vgg)
{
    hid_t file = -1;
    clvis_status st = kh5_open(path, NULL, 0, &file);
    if (st != CLVIS_OK)
        return st;
    if (fmt == KERAS_FMT_H5_MODEL) {
        char **cfg = NULL;
        int n = 0;
        st = kh5_attr_strings(path, file, "", "model_config", &cfg, &n);
        if (st == CLVIS_OK && n != 1)
            st = err_set(CLVIS_ERR_FORMAT, "%s: model_config is not one string", path);
        if (st == CLVIS_OK)
            st = kjson_build_text(ctx, cfg[0], km);
        kh5_free_strings(cfg, n);
        if (st == CLVIS_OK) {
            if (kh5_has_link(file, "model_weights")) {
                hid_t mw = H5Gopen2(file, "model_weights", H5P_DEFAULT);
                if (mw < 0)
                    st = err_set(CLVIS_ERR_FORMAT, "%s: cannot open /model_weights", path);
                else {
                    st = load_k2_weights(km, mw, "/model_weights");
                    H5Gclose(mw);
                }
            } else {
                st = load_k2_weights(km, file, "/");
            }
        }
    } else if (fmt == KERAS_FMT_H5_WEIGHTS) {
        if (opt && opt->config_path) {
            st = build_from_file(ctx, opt->config_path, km);
        } else {
            const char *arch = opt ? opt->arch : NULL;
            if (!arch) {
                char **names = NULL;
                int n = 0;
                st = kh5_attr_strings(path, file, "", "layer_names", &names, &n);
                if (st == CLVIS_OK) {
                    arch = arch_vgg_detect((const char *const *)names, n);
                    if (!arch)
                        st = err_set(CLVIS_ERR_UNSUPPORTED,
                                     "%s: a weights-only file of an unknown architecture: give "
                                     "--arch (vgg16, vgg19, vgg16_notop, vgg19_notop) or a "
                                     "Keras JSON config",
                                     path);
                }
                kh5_free_strings(names, n);
            }
            if (st == CLVIS_OK) {
                st = build_arch(ctx, arch, km);
                if (st != CLVIS_OK)
                    st = err_wrap(st, "%s", path);
                *is_vgg = 1;
            }
        }
        if (st == CLVIS_OK)
            st = load_k2_weights(km, file, "/");
    } else { /* KERAS_FMT_K3_WEIGHTS */
        if (!opt || !opt->config_path)
            st = err_set(CLVIS_ERR_UNSUPPORTED,
                         "%s: a Keras 3 .weights.h5 holds no architecture: give its config "
                         "(config.json of the .keras, or model.to_json())",
                         path);
        else
            st = build_from_file(ctx, opt->config_path, km);
        if (st == CLVIS_OK)
            st = load_k3_weights(km, file);
    }
    H5Fclose(file);
    return st;
}

static clvis_status load_zip(clvis_ctx *ctx, const char *path, kmodel *km)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        clvis_status st = err_set(CLVIS_ERR_FORMAT, "%s: not a readable .keras archive (%s)",
                                  path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    char *cfg = NULL, *h5 = NULL;
    size_t cfg_len = 0, h5_len = 0;
    clvis_status st = zip_read_entry(path, z, "config.json", KERAS_MAX_CONFIG_BYTES,
                                     "the model config limit", &cfg, &cfg_len);
    /* the config first: its layers say how many bytes of weights the archive may hold */
    if (st == CLVIS_OK)
        st = kjson_build_text(ctx, cfg, km);
    free(cfg);
    if (st == CLVIS_OK) {
        uint64_t need = 0;
        for (int li = 0; li < km->n_layers; li++)
            for (int i = 0; i < km->layers[li].n_w && i < KW_MAX; i++) {
                uint64_t c = 4;
                for (int d = 0; d < km->layers[li].w_rank[i]; d++)
                    c *= (uint64_t)(km->layers[li].w_dims[i][d] > 0
                                        ? km->layers[li].w_dims[i][d]
                                        : 1);
                need += c;
            }
        st = zip_read_entry(path, z, "model.weights.h5",
                            need + need / 4 + KERAS_WEIGHTS_SLACK_BYTES,
                            "what the config's weights need, plus HDF5's structures", &h5,
                            &h5_len);
    }
    zip_discard(z);
    if (st == CLVIS_OK) {
        hid_t file = -1;
        char src[600];
        snprintf(src, sizeof src, "%s:model.weights.h5", path);
        st = kh5_open(src, h5, h5_len, &file);
        if (st == CLVIS_OK) {
            st = load_k3_weights(km, file);
            H5Fclose(file);
        }
    }
    free(h5);
    return st;
}

static int contains_ci(const char *s, const char *sub)
{
    size_t n = strlen(sub);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == sub[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

clvis_status keras_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                        graph **out)
{
    keras_format fmt;
    kmodel km = {0};
    int is_vgg = 0;
    *out = NULL;
    if (!path)
        return err_set(CLVIS_ERR_INVALID_ARG, "keras_load: no path");
    kh5_quiet();
    clvis_status st = keras_detect(path, &fmt);
    if (st != CLVIS_OK)
        return st;
    km.src = path;
    if (fmt == KERAS_FMT_K3_ZIP)
        st = load_zip(ctx, path, &km);
    else
        st = load_h5(ctx, path, fmt, opt, &km, &is_vgg);
    if (st == CLVIS_OK)
        st = kjson_check_loaded(&km);
    if (st == CLVIS_OK)
        st = graph_check(km.g);
    if (st != CLVIS_OK) {
        graph_destroy(km.g);
        kjson_free(&km);
        return st;
    }
    graph *g = km.g;
    /* Keras files do not store the preprocessing a model was trained with: the known
     * architectures (keras.applications) have theirs; any other is fed raw pixels, and
     * preprocess_source stays "" (not stated) for the command line to say so. */
    g->preprocess_source[0] = 0;
    if (is_vgg || !strcmp(km.model_name, "vgg16") || !strcmp(km.model_name, "vgg19")) {
        g->preprocess = CLVIS_PREPROCESS_CAFFE;
        snprintf(g->preprocess_source, sizeof g->preprocess_source,
                 "the VGG architecture (keras.applications.vgg16.preprocess_input)");
    } else if (contains_ci(km.model_name, "mobilenet")) {
        g->preprocess = CLVIS_PREPROCESS_TF;
        snprintf(g->preprocess_source, sizeof g->preprocess_source,
                 "the MobileNet architecture (keras.applications.mobilenet_v2.preprocess_input)");
    } else
        g->preprocess = CLVIS_PREPROCESS_RAW;
    kjson_free(&km);
    *out = g;
    return CLVIS_OK;
}

/* ---- ~/.keras/models --------------------------------------------------------------------- */

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

clvis_status keras_resolve_model(const char *name_or_path, char *out, size_t cap)
{
    static const struct {
        const char *name, *file;
    } known[] = {
        {"vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5"},
        {"vgg16_notop", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"},
        {"vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5"},
        {"vgg19_notop", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"},
    };
    if (!name_or_path || !out || cap == 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "keras_resolve_model: bad arguments");
    if (is_file(name_or_path)) {
        if ((size_t)snprintf(out, cap, "%s", name_or_path) >= cap)
            return err_set(CLVIS_ERR_INVALID_ARG, "%s: path too long", name_or_path);
        return CLVIS_OK;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(name_or_path, known[i].name) != 0)
            continue;
        char dir[1024];
        const char *kh = getenv("KERAS_HOME"), *home = getenv("HOME");
        if (kh && *kh)
            snprintf(dir, sizeof dir, "%s/models", kh);
        else if (home && *home)
            snprintf(dir, sizeof dir, "%s/.keras/models", home);
        else
            return err_set(CLVIS_ERR_NOT_FOUND, "%s: neither KERAS_HOME nor HOME is set",
                           name_or_path);
        if ((size_t)snprintf(out, cap, "%s/%s", dir, known[i].file) >= cap)
            return err_set(CLVIS_ERR_INVALID_ARG, "%s: path too long", name_or_path);
        if (!is_file(out))
            return err_set(CLVIS_ERR_NOT_FOUND,
                           "%s: no such file, and %s is not there (Keras downloads it with "
                           "keras.applications.%s)",
                           name_or_path, out, known[i].name[4] == '6' ? "VGG16()" : "VGG19()");
        return CLVIS_OK;
    }
    return err_set(CLVIS_ERR_NOT_FOUND,
                   "%s: no such file (known names: vgg16, vgg16_notop, vgg19, vgg19_notop)",
                   name_or_path);
}
