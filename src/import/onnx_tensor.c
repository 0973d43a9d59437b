/* onnx_tensor.c — TensorProto values as host constants: every numeric data type, stored in
 * raw_data (little endian) or in the typed fields, or in an external file beside the model
 * (data_location = EXTERNAL: location, offset, length). Sizes are checked against the dims
 * before anything is read or allocated. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/onnx_imp.h"

/* No tensor may claim more elements or bytes than this (protobuf itself stops at 2 GiB). */
#define MAX_ELEMENTS (INT64_C(1) << 29)

static int elem_size(int type)
{
    switch (type) {
    case ONNX_FLOAT: case ONNX_INT32: case ONNX_UINT32: return 4;
    case ONNX_DOUBLE: case ONNX_INT64: case ONNX_UINT64: return 8;
    case ONNX_FLOAT16: case ONNX_BFLOAT16: case ONNX_INT16: case ONNX_UINT16: return 2;
    case ONNX_INT8: case ONNX_UINT8: case ONNX_BOOL: return 1;
    default: return 0;
    }
}

static const char *type_name(int type)
{
    static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
                                  "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
                                  "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
    return type >= 0 && type < (int)(sizeof names / sizeof names[0]) ? names[type] : "unknown";
}

static int is_float_type(int type)
{
    return type == ONNX_FLOAT || type == ONNX_FLOAT16 || type == ONNX_BFLOAT16 ||
           type == ONNX_DOUBLE;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, ex = (h >> 10) & 31, man = h & 1023, bits;
    if (ex == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else if (ex)
        bits = sign | ((ex + 112) << 23) | (man << 13);
    else if (!man)
        bits = sign;
    else { /* subnormal: normalise */
        ex = 113;
        while (!(man & 1024)) {
            man <<= 1;
            ex--;
        }
        bits = sign | (ex << 23) | ((man & 1023) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

/* Element k of little-endian raw bytes of `type`, as double (floats) or int64 (ints). */
static void raw_elem(const uint8_t *p, int type, double *d, int64_t *i)
{
    uint64_t u;
    float f;
    switch (type) {
    case ONNX_FLOAT:
        u = le(p, 4);
        {
            uint32_t b = (uint32_t)u;
            memcpy(&f, &b, 4);
        }
        *d = f;
        break;
    case ONNX_DOUBLE:
        u = le(p, 8);
        memcpy(d, &u, 8);
        break;
    case ONNX_FLOAT16: *d = half_to_float((uint16_t)le(p, 2)); break;
    case ONNX_BFLOAT16: {
        uint32_t b = (uint32_t)le(p, 2) << 16;
        memcpy(&f, &b, 4);
        *d = f;
        break;
    }
    case ONNX_INT8: *i = (int8_t)p[0]; break;
    case ONNX_UINT8: case ONNX_BOOL: *i = p[0]; break;
    case ONNX_INT16: *i = (int16_t)le(p, 2); break;
    case ONNX_UINT16: *i = (uint16_t)le(p, 2); break;
    case ONNX_INT32: *i = (int32_t)le(p, 4); break;
    case ONNX_UINT32: *i = (uint32_t)le(p, 4); break;
    case ONNX_INT64: case ONNX_UINT64: *i = (int64_t)le(p, 8); break;
    default: break;
    }
}

void oconst_free(oconst *c)
{
    free(c->f);
    free(c->i);
    c->f = NULL;
    c->i = NULL;
}

clvis_status oconst_alloc(oimp *m, oconst *c, int is_int, int rank, const int64_t *dims)
{
    memset(c, 0, sizeof *c);
    if (rank < 0 || rank > ONNX_MAX_RANK)
        return ONNX_UNSUPPORTED(m, "a tensor of rank %d (at most %d)", rank, ONNX_MAX_RANK);
    int64_t count = 1;
    for (int k = 0; k < rank; k++) {
        if (dims[k] < 0)
            return ONNX_BAD(m, "a tensor dimension of %lld", (long long)dims[k]);
        if (dims[k] && count > MAX_ELEMENTS / dims[k])
            return ONNX_UNSUPPORTED(m, "a tensor of more than %lld elements",
                                    (long long)MAX_ELEMENTS);
        count *= dims[k];
        c->dims[k] = dims[k];
    }
    c->rank = rank;
    c->is_int = is_int;
    c->count = (size_t)count;
    size_t n = c->count ? c->count : 1;
    if (is_int)
        c->i = calloc(n, sizeof *c->i);
    else
        c->f = calloc(n, sizeof *c->f);
    if (!c->i && !c->f)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory for a tensor of %zu elements",
                       m->path, c->count);
    return CLVIS_OK;
}

double oconst_get(const oconst *c, size_t k)
{
    return c->is_int ? (double)c->i[k] : (double)c->f[k];
}

/* A relative location inside the model's folder: no absolute path, no "..", no empty part. */
static int safe_location(const char *loc)
{
    if (!loc || !*loc || loc[0] == '/')
        return 0;
    for (const char *p = loc; *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len + (e ? 1 : 0);
    }
    return 1;
}

/* Reads `len` bytes at `off` of the external file; *buf malloc'd. */
static clvis_status read_external(oimp *m, const Onnx__TensorProto *t, size_t want,
                                  uint8_t **buf)
{
    const char *loc = NULL;
    long long off = 0, len = -1;
    for (size_t k = 0; k < t->n_external_data; k++) {
        const Onnx__StringStringEntryProto *e = t->external_data[k];
        if (!e->key || !e->value)
            continue;
        char *end;
        if (!strcmp(e->key, "location"))
            loc = e->value;
        else if (!strcmp(e->key, "offset") || !strcmp(e->key, "length")) {
            errno = 0;
            long long v = strtoll(e->value, &end, 10);
            if (errno || *end || v < 0)
                return ONNX_BAD(m, "initializer '%s': external data %s '%s'", t->name, e->key,
                                e->value);
            if (!strcmp(e->key, "offset"))
                off = v;
            else
                len = v;
        }
    }
    if (!safe_location(loc))
        return ONNX_BAD(m, "initializer '%s': external data location '%s' is not a file inside "
                           "the model's folder", t->name, loc ? loc : "");
    if (len >= 0 && (size_t)len != want)
        return ONNX_BAD(m, "initializer '%s': external data length %lld, its dims need %zu "
                           "bytes", t->name, len, want);
    const char *slash = strrchr(m->path, '/');
    size_t dl = slash ? (size_t)(slash - m->path + 1) : 0;
    char *full = malloc(dl + strlen(loc) + 1);
    if (!full)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    memcpy(full, m->path, dl);
    strcpy(full + dl, loc);
    int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    clvis_status rc = CLVIS_OK;
    if (fd < 0)
        rc = err_set(CLVIS_ERR_IO, "%s: initializer '%s': cannot open its external data file "
                     "'%s'", m->path, t->name, full);
    else if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        rc = err_set(CLVIS_ERR_IO, "%s: initializer '%s': external data '%s' is not a regular "
                     "file", m->path, t->name, full);
    else if ((unsigned long long)off + want > (unsigned long long)st.st_size)
        rc = err_set(CLVIS_ERR_FORMAT, "%s: initializer '%s': external data '%s' has %lld "
                     "bytes, the tensor needs %zu at offset %lld", m->path, t->name, full,
                     (long long)st.st_size, want, off);
    if (rc == CLVIS_OK) {
        *buf = malloc(want ? want : 1);
        if (!*buf)
            rc = err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        size_t got = 0;
        while (rc == CLVIS_OK && got < want) {
            ssize_t r = pread(fd, *buf + got, want - got, (off_t)(off + (long long)got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                rc = err_set(CLVIS_ERR_IO, "%s: initializer '%s': reading '%s' failed", m->path,
                             t->name, full);
            else
                got += (size_t)r;
        }
        if (rc != CLVIS_OK) {
            free(*buf);
            *buf = NULL;
        }
    }
    if (fd >= 0)
        close(fd);
    free(full);
    return rc;
}

clvis_status onnx_tensor_const(oimp *m, const Onnx__TensorProto *t, oconst *c)
{
    int type = t->has_data_type ? t->data_type : 0;
    const char *name = t->name ? t->name : "";
    int es = elem_size(type);
    if (!es)
        return ONNX_UNSUPPORTED(m, "tensor '%s' of type %s", name, type_name(type));
    if (t->n_dims > ONNX_MAX_RANK)
        return ONNX_UNSUPPORTED(m, "tensor '%s' of rank %zu", name, t->n_dims);
    clvis_status st = oconst_alloc(m, c, !is_float_type(type), (int)t->n_dims, t->dims);
    if (st != CLVIS_OK)
        return st;
    size_t n = c->count;
    uint8_t *ext = NULL;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        st = read_external(m, t, n * (size_t)es, &ext);
        raw = ext;
        raw_len = n * (size_t)es;
    } else if (t->has_raw_data) {
        raw = t->raw_data.data;
        raw_len = t->raw_data.len;
    }
    if (st == CLVIS_OK && raw) {
        static const uint16_t probe = 1;
        if (raw_len != n * (size_t)es)
            st = ONNX_BAD(m, "tensor '%s': %zu bytes of data, its dims need %zu", name, raw_len,
                          n * (size_t)es);
        else if (type == ONNX_FLOAT && *(const uint8_t *)&probe == 1) {
            memcpy(c->f, raw, n * sizeof(float)); /* little-endian host: the bytes as they are */
            n = 0;
        }
        for (size_t k = 0; st == CLVIS_OK && k < n; k++) {
            double d = 0;
            int64_t i = 0;
            raw_elem(raw + k * (size_t)es, type, &d, &i);
            if (c->is_int)
                c->i[k] = i;
            else
                c->f[k] = (float)d;
        }
    } else if (st == CLVIS_OK) {
        /* the typed fields: float_data (FLOAT), int32_data (int types <= 32 bits, bool,
         * FLOAT16 / BFLOAT16 as bits), int64_data, double_data, uint64_data (UINT32/64) */
        size_t have;
        switch (type) {
        case ONNX_FLOAT: have = t->n_float_data; break;
        case ONNX_INT64: have = t->n_int64_data; break;
        case ONNX_DOUBLE: have = t->n_double_data; break;
        case ONNX_UINT32: case ONNX_UINT64: have = t->n_uint64_data; break;
        default: have = t->n_int32_data; break;
        }
        if (have != n)
            st = ONNX_BAD(m, "tensor '%s': %zu values, its dims need %zu", name, have, n);
        for (size_t k = 0; st == CLVIS_OK && k < n; k++) {
            switch (type) {
            case ONNX_FLOAT: c->f[k] = t->float_data[k]; break;
            case ONNX_DOUBLE: c->f[k] = (float)t->double_data[k]; break;
            case ONNX_INT64: c->i[k] = t->int64_data[k]; break;
            case ONNX_UINT32: case ONNX_UINT64: c->i[k] = (int64_t)t->uint64_data[k]; break;
            case ONNX_FLOAT16: c->f[k] = half_to_float((uint16_t)t->int32_data[k]); break;
            case ONNX_BFLOAT16: {
                uint32_t b = (uint32_t)(uint16_t)t->int32_data[k] << 16;
                memcpy(&c->f[k], &b, 4);
                break;
            }
            default: c->i[k] = t->int32_data[k]; break;
            }
        }
    }
    free(ext);
    if (st != CLVIS_OK)
        oconst_free(c);
    return st;
}
