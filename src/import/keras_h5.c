/* keras_h5.c — the libhdf5 side of the Keras loader: opening files (disk or memory image),
 * string attributes (fixed / variable length, chunked), float datasets. Every handle is closed
 * on every path; libhdf5's own error printing is silenced and its failures become clvis errors
 * naming the file and the object path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "half.h"
#include "keras_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- sandboxed pre-flight: libhdf5 1.10 can crash or spin on damaged files (fuzz_keras found
 * 35 crashes and 40 hangs inside H5Aread of variable-length strings; RELIABILITY.md). Before
 * clvis reads a file, a child process reads every attribute of every object and the data of
 * every float dataset once, with a watchdog: no single step may take PREFLIGHT_SECONDS. If the
 * child dies or stalls, the file is refused with one line and the caller's process never
 * touches the poison. The cost is one extra read of the file (from the page cache). ------- */

#define PREFLIGHT_SECONDS 10

static herr_t touch_attr(hid_t loc, const char *name, const H5A_info_t *info, void *op)
{
    (void)info;
    (void)op;
    alarm(PREFLIGHT_SECONDS);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (t >= 0 && n > 0 && n <= 1000000 && H5Tget_class(t) == H5T_STRING) {
        hid_t m = H5Tcopy(H5T_C_S1);
        if (H5Tis_variable_str(t) > 0) {
            H5Tset_size(m, H5T_VARIABLE);
            char **v = calloc((size_t)n, sizeof *v);
            if (v && H5Aread(a, m, v) >= 0)
                H5Dvlen_reclaim(m, sp, H5P_DEFAULT, v);
            free(v);
        } else {
            size_t sz = H5Tget_size(t);
            char *b = sz > 0 && sz < (1u << 20) ? malloc(sz * (size_t)n + 1) : NULL;
            if (b && H5Tset_size(m, sz) >= 0)
                H5Aread(a, m, b);
            free(b);
        }
        H5Tclose(m);
    }
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return 0;
}

/* Reads n values of dataset ds (selection ms / fs, as for H5Dread) into out as floats. An
 * IEEE float16 dataset is read as its own 16-bit type in host byte order (no conversion inside
 * libhdf5, whose generic soft conversion of halves was most of a warm start-up) and widened by
 * half_to_float_n, exactly; every other type is converted by libhdf5. */
static herr_t read_floats(hid_t ds, hid_t ms, hid_t fs, float *out, size_t n)
{
    hid_t ft = H5Dget_type(ds);
    if (ft < 0)
        return -1;
    int half = half_fast_path_enabled() && half_is_ieee_type(ft) > 0;
    if (!half) {
        H5Tclose(ft);
        return H5Dread(ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, out);
    }
    herr_t r = -1;
    hid_t mt = H5Tcopy(ft);
    uint16_t *raw = malloc((n ? n : 1) * sizeof *raw);
    if (mt >= 0 && raw && H5Tset_order(mt, H5Tget_order(H5T_NATIVE_USHORT)) >= 0 &&
        H5Dread(ds, mt, ms, fs, H5P_DEFAULT, raw) >= 0) {
        half_to_float_n(raw, out, n);
        r = 0;
    }
    free(raw);
    if (mt >= 0)
        H5Tclose(mt);
    H5Tclose(ft);
    return r;
}

#define PREFLIGHT_SLAB (1u << 22) /* floats per read: 16 MB */

/* Reads a float dataset's data the way kh5_read will (as native floats), in slabs of rows of the
 * first dimension so a 400 MB layer needs no 400 MB buffer. */
static void touch_data(hid_t ds)
{
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t dims[H5S_MAX_RANK];
    if (t < 0 || rank < 0 || H5Tget_class(t) != H5T_FLOAT ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0)
        goto done;
    hsize_t total = 1, row = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    for (int i = 1; i < rank; i++)
        row *= dims[i];
    /* Not read here: a dataset with nothing stored (its values are the fill value: no chunk to
     * parse), and one declaring over 2^28 values (1 GiB as floats, above any real weight
     * array): reading the fill values of a tiny file claiming (65536, 65536) took 16 s, and
     * kh5_read refuses a dataset larger than its layer's largest weight from the header. */
    if (total == 0 || total > ((hsize_t)1 << 28) || H5Dget_storage_size(ds) == 0)
        goto done;
    hsize_t rows = rank == 0 || row >= PREFLIGHT_SLAB ? 1 : PREFLIGHT_SLAB / row;
    float *buf = malloc((size_t)(rank == 0 ? 1 : rows * row) * sizeof *buf);
    if (!buf)
        goto done;
    if (rank == 0 || (row >= PREFLIGHT_SLAB && dims[0] == 1)) {
        alarm(PREFLIGHT_SECONDS);
        read_floats(ds, H5S_ALL, H5S_ALL, buf, (size_t)(rank == 0 ? 1 : total));
    } else {
        for (hsize_t r0 = 0; r0 < dims[0]; r0 += rows) {
            hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
            for (int i = 0; i < rank; i++)
                count[i] = dims[i];
            start[0] = r0;
            count[0] = dims[0] - r0 < rows ? dims[0] - r0 : rows;
            hid_t ms = H5Screate_simple(1, (hsize_t[]){count[0] * row}, NULL);
            alarm(PREFLIGHT_SECONDS);
            if (ms < 0 || H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                read_floats(ds, ms, sp, buf, (size_t)(count[0] * row)) < 0) {
                if (ms >= 0)
                    H5Sclose(ms);
                break;
            }
            H5Sclose(ms);
        }
    }
    free(buf);
done:
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
}

static void touch_object(hid_t loc, const char *name)
{
    alarm(PREFLIGHT_SECONDS);
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0)
        return;
    H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, touch_attr, NULL);
    H5O_info_t info;
    if (H5Oget_info2(o, &info, H5O_INFO_BASIC) >= 0 && info.type == H5O_TYPE_DATASET)
        touch_data(o);
    H5Oclose(o);
}

static herr_t touch_link(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)op;
    if (info->type == H5L_TYPE_HARD)
        touch_object(g, name);
    return 0;
}

/* The verdict is one byte the child writes on a pipe when it has read everything: no byte
 * means it died or stalled, whatever the application does with SIGCHLD (with SIGCHLD ignored,
 * the exit status is lost, the byte is not). */
static clvis_status preflight(const char *src, hid_t f)
{
    const char *env = getenv("CLVIS_HDF5_SANDBOX");
    if (env && !strcmp(env, "0"))
        return CLVIS_OK;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return CLVIS_OK; /* no sandbox available: read as usual */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return CLVIS_OK;
    }
    if (pid == 0) {
        /* Die plainly: no handler of the application (or a sanitizer) runs in the child, and
         * the watchdog's SIGALRM kills even where the application catches it. */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
            signal(sigs[i], SIG_DFL);
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY); /* a report from a checker built in (ASan) */
        if (null >= 0)                          /* goes nowhere: the byte is the verdict */
            dup2(null, STDERR_FILENO);
        touch_object(f, "/");
        H5Lvisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, touch_link, NULL);
        _exit(write(fds[1], "k", 1) == 1 ? 0 : 1);
    }
    close(fds[1]);
    char c = 0;
    ssize_t got;
    while ((got = read(fds[0], &c, 1)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (got == 1 && c == 'k')
        return CLVIS_OK;
    if (r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: damaged HDF5 file: libhdf5 stalled for %d s reading it",
                       src, PREFLIGHT_SECONDS);
    if (r == pid && (WIFSIGNALED(status) || WIFEXITED(status)))
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: damaged HDF5 file: libhdf5 failed reading it (%s %d)", src,
                       WIFSIGNALED(status) ? "signal" : "exit status",
                       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return err_set(CLVIS_ERR_FORMAT, "%s: damaged HDF5 file: libhdf5 failed reading it", src);
}

void kh5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

clvis_status kh5_open(const char *src, const void *image, size_t image_len, hid_t *file)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot create an HDF5 property list", src);
    if (image) {
        if (H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 ||
            H5Pset_file_image(fapl, (void *)image, image_len) < 0) {
            H5Pclose(fapl);
            return err_set(CLVIS_ERR_IO, "%s: cannot set up an in-memory HDF5 file", src);
        }
    }
    hid_t f = H5Fopen(image ? "clvis-image.h5" : src, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return err_set(CLVIS_ERR_FORMAT, "%s: not a readable HDF5 file (truncated or damaged?)",
                       src);
    clvis_status st = preflight(src, f);
    if (st != CLVIS_OK) {
        H5Fclose(f);
        return st;
    }
    *file = f;
    return CLVIS_OK;
}

int kh5_has_attr(hid_t obj, const char *name)
{
    return H5Aexists(obj, name) > 0;
}

int kh5_has_link(hid_t loc, const char *path)
{
    /* H5Lexists checks only the last component: walk the path. */
    char buf[1024];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            htri_t e = H5Lexists(loc, buf, H5P_DEFAULT);
            buf[i] = c;
            if (e <= 0)
                return 0;
        }
    }
    return 1;
}

void kh5_free_strings(char **list, int n)
{
    if (!list)
        return;
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Reads one string attribute (all its elements) and appends them to *list. */
static clvis_status read_one(const char *src, hid_t obj, const char *where, const char *name,
                             char ***list, int *n)
{
    clvis_status st = CLVIS_OK;
    hid_t a = -1, ftype = -1, space = -1, mtype = -1;
    char **vbuf = NULL;
    char *fbuf = NULL;
    hssize_t count = 0;

    a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: cannot open attribute %s/%s", src, where, name);
        goto done;
    }
    ftype = H5Aget_type(a);
    space = H5Aget_space(a);
    if (ftype < 0 || space < 0) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: cannot read attribute %s/%s", src, where, name);
        goto done;
    }
    count = H5Sget_simple_extent_npoints(space);
    if (count < 0 || count > 1000000) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: attribute %s/%s has a bad size", src, where, name);
        goto done;
    }
    if (count == 0) /* h5py writes an empty list as an empty float64 array */
        goto done;
    if (H5Tget_class(ftype) != H5T_STRING) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: attribute %s/%s is not a string", src, where, name);
        goto done;
    }
    char **grown = realloc(*list, sizeof(char *) * (size_t)(*n + count + 1));
    if (!grown) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory reading %s/%s", src, where, name);
        goto done;
    }
    *list = grown;
    mtype = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mtype, H5Tget_cset(ftype)); /* libhdf5 does not convert ASCII <-> UTF-8 */
    htri_t is_var = H5Tis_variable_str(ftype);
    if (is_var > 0) {
        H5Tset_size(mtype, H5T_VARIABLE);
        vbuf = calloc((size_t)count, sizeof(char *));
        if (!vbuf) {
            st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory reading %s/%s", src, where,
                         name);
            goto done;
        }
        if (H5Aread(a, mtype, vbuf) < 0) {
            free(vbuf);
            vbuf = NULL;
            st = err_set(CLVIS_ERR_FORMAT, "%s: cannot read attribute %s/%s", src, where, name);
            goto done;
        }
        for (hssize_t i = 0; i < count; i++) {
            char *s = strdup(vbuf[i] ? vbuf[i] : "");
            if (!s) {
                st = err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
                break;
            }
            (*list)[(*n)++] = s;
        }
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, vbuf);
        free(vbuf);
    } else {
        size_t size = H5Tget_size(ftype);
        if (size == 0 || size > (1u << 30)) {
            st = err_set(CLVIS_ERR_FORMAT, "%s: attribute %s/%s has a bad string size", src,
                         where, name);
            goto done;
        }
        H5Tset_size(mtype, size);
        H5Tset_strpad(mtype, H5T_STR_NULLPAD);
        fbuf = calloc((size_t)count, size);
        if (!fbuf) {
            st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory reading %s/%s", src, where,
                         name);
            goto done;
        }
        if (H5Aread(a, mtype, fbuf) < 0) {
            st = err_set(CLVIS_ERR_FORMAT, "%s: cannot read attribute %s/%s", src, where, name);
            goto done;
        }
        for (hssize_t i = 0; i < count; i++) {
            const char *p = fbuf + (size_t)i * size;
            size_t len = strnlen(p, size);
            char *s = malloc(len + 1);
            if (!s) {
                st = err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
                break;
            }
            memcpy(s, p, len);
            s[len] = '\0';
            (*list)[(*n)++] = s;
        }
    }
done:
    free(fbuf);
    if (mtype >= 0)
        H5Tclose(mtype);
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (a >= 0)
        H5Aclose(a);
    return st;
}

clvis_status kh5_attr_strings(const char *src, hid_t obj, const char *where, const char *name,
                              char ***list, int *n)
{
    clvis_status st = CLVIS_OK;
    *list = NULL;
    *n = 0;
    if (kh5_has_attr(obj, name)) {
        st = read_one(src, obj, where, name, list, n);
    } else {
        char chunk[256];
        int k = 0;
        for (;; k++) {
            snprintf(chunk, sizeof chunk, "%s%d", name, k);
            if (!kh5_has_attr(obj, chunk))
                break;
            st = read_one(src, obj, where, chunk, list, n);
            if (st != CLVIS_OK)
                break;
        }
        if (st == CLVIS_OK && k == 0)
            st = err_set(CLVIS_ERR_NOT_FOUND, "%s: no attribute %s/%s", src, where, name);
    }
    if (st != CLVIS_OK) {
        kh5_free_strings(*list, *n);
        *list = NULL;
        *n = 0;
    }
    return st;
}

void kweight_free(kweight *w, int n)
{
    if (!w)
        return;
    for (int i = 0; i < n; i++) {
        free(w[i].data);
        w[i].data = NULL;
    }
}

clvis_status kh5_read(const char *src, hid_t loc, const char *path, const char *where,
                      size_t max_count, kweight *w)
{
    clvis_status st = CLVIS_OK;
    hid_t ds = -1, space = -1, ftype = -1;
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/%s", where, path);

    if (!kh5_has_link(loc, path))
        return err_set(CLVIS_ERR_FORMAT, "%s: missing weight dataset %s", src, w->path);
    ds = H5Dopen2(loc, path, H5P_DEFAULT);
    if (ds < 0)
        return err_set(CLVIS_ERR_FORMAT, "%s: %s is not a readable dataset", src, w->path);
    space = H5Dget_space(ds);
    ftype = H5Dget_type(ds);
    if (space < 0 || ftype < 0) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: cannot read dataset %s", src, w->path);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ftype);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: dataset %s is not numeric", src, w->path);
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > 8) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: dataset %s has an unsupported rank", src, w->path);
        goto done;
    }
    hsize_t dims[8] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] > (1u << 30)) {
            st = err_set(CLVIS_ERR_FORMAT, "%s: dataset %s is too large", src, w->path);
            goto done;
        }
        w->dims[i] = (int)dims[i];
        count *= (size_t)dims[i];
    }
    w->rank = rank;
    if (count > max_count) {
        char d[96] = "";
        size_t dl = 0;
        for (int i = 0; i < rank && dl < sizeof d; i++)
            dl += (size_t)snprintf(d + dl, sizeof d - dl, "%s%d", i ? ", " : "", w->dims[i]);
        st = err_set(CLVIS_ERR_SHAPE,
                     "%s: dataset %s declares shape (%s), %zu values: more than the layer's "
                     "largest weight (%zu values); refused before reading",
                     src, w->path, d, count, max_count);
        goto done;
    }
    w->data = malloc(sizeof(float) * (count ? count : 1));
    if (!w->data) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory reading %s", src, w->path);
        goto done;
    }
    if (count && read_floats(ds, H5S_ALL, H5S_ALL, w->data, count) < 0) {
        free(w->data);
        w->data = NULL;
        st = err_set(CLVIS_ERR_FORMAT, "%s: cannot read dataset %s (truncated file?)", src,
                     w->path);
        goto done;
    }
done:
    if (ftype >= 0)
        H5Tclose(ftype);
    if (space >= 0)
        H5Sclose(space);
    H5Dclose(ds);
    return st;
}
