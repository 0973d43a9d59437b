/* test_half.c — the float16 fast path of the Keras loader (src/import/half.c): every one of the
 * 65536 half values against libhdf5's own conversion and against a formula (ldexp), and a small
 * float16 HDF5 file (written here, both byte orders, with subnormals, infinities and NaN) read
 * by kh5_read through the fast path and through libhdf5's conversion (CLVIS_HDF5_CONVERT=1):
 * the same floats bit for bit. No device needed. */
#include "testutil.h"

#include <hdf5.h>
#include <stdint.h>
#include <unistd.h>

#include "import/half.h"
#include "import/keras_internal.h"

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* IEEE binary16 as an HDF5 type, built the way h5py builds numpy's float16. */
static hid_t make_half_type(H5T_order_t order)
{
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
    H5Tset_order(t, order);
    return t;
}

/* The formula: (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
static double half_formula(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    return s ? -v : v;
}

static void test_exhaustive(void)
{
    uint16_t *h = malloc(65536 * sizeof *h);
    float *lib = malloc(65536 * sizeof *lib), *ours = malloc(65536 * sizeof *ours);
    for (uint32_t i = 0; i < 65536; i++)
        h[i] = (uint16_t)i;
    /* libhdf5's conversion, in place: halves in the first 2 bytes of each float slot */
    memset(lib, 0, 65536 * sizeof *lib);
    for (uint32_t i = 0; i < 65536; i++)
        memcpy((char *)lib + 2 * i, &h[i], 2);
    hid_t ht = make_half_type(H5Tget_order(H5T_NATIVE_USHORT));
    herr_t r = H5Tconvert(ht, H5T_NATIVE_FLOAT, 65536, lib, NULL, H5P_DEFAULT);
    H5Tclose(ht);
    test_checkf(r >= 0, "libhdf5 converts the 65536 halves (H5Tconvert)");
    half_to_float_n(h, ours, 65536);
    int vs_lib = 0, vs_formula = 0, nan_ok = 0, nans = 0;
    for (uint32_t i = 0; i < 65536; i++) {
        double f = half_formula(h[i]);
        if (isnan(f)) {
            nans++;
            /* a NaN: a NaN in both, with the half's sign */
            if (isnan(ours[i]) && isnan(lib[i]) && !!signbit(ours[i]) == !!(h[i] & 0x8000))
                nan_ok++;
            continue;
        }
        vs_lib += bits_of(ours[i]) == bits_of(lib[i]);
        vs_formula += bits_of(ours[i]) == bits_of((float)f) && (double)ours[i] == f;
    }
    test_checkf(vs_lib == 65536 - 2046, "%d of %d non-NaN halves bit-identical to libhdf5's",
                vs_lib, 65536 - 2046);
    test_checkf(vs_formula == 65536 - 2046, "%d of %d non-NaN halves equal to the formula",
                vs_formula, 65536 - 2046);
    test_checkf(nans == 2046 && nan_ok == nans, "%d of %d NaNs stay NaN with their sign", nan_ok,
                nans);
    test_checkf(half_to_float(0x0001) == ldexpf(1, -24) && half_to_float(0x7bff) == 65504.0f &&
                    half_to_float(0xfc00) == -INFINITY && signbit(half_to_float(0x8000)),
                "spot values: smallest subnormal, largest normal, -inf, -0");
    free(h);
    free(lib);
    free(ours);
}

/* Writes /w (float16, byte order `order`, shape 3 x 683, every 32nd half value and the specials)
 * into path, then reads it both ways with kh5_read. */
static void test_file(const char *dir, H5T_order_t order, const char *oname)
{
    char path[600];
    snprintf(path, sizeof path, "%s/half_%s.h5", dir, oname);
    enum { N = 3 * 683 };
    uint16_t v[N];
    for (int i = 0; i < N; i++)
        v[i] = (uint16_t)(i * 32 + (i % 7));
    v[0] = 0x0001, v[1] = 0x03ff, v[2] = 0x7c00, v[3] = 0xfc00, v[4] = 0x7e00, v[5] = 0x8000;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(2, (hsize_t[]){3, 683}, NULL);
    hid_t ft = make_half_type(order), mt = make_half_type(H5Tget_order(H5T_NATIVE_USHORT));
    hid_t ds = H5Dcreate2(f, "w", ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t r = H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Tclose(ft);
    H5Tclose(mt);
    H5Sclose(sp);
    H5Fclose(f);
    char label[128];
    test_checkf(r >= 0, "float16 fixture (%s) written", oname);

    kweight fast = {0}, ref = {0};
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ds = H5Dopen2(f, "w", H5P_DEFAULT);
    ft = H5Dget_type(ds);
    test_checkf(half_is_ieee_type(ft) == 1, "float16 fixture (%s): the fast path's type", oname);
    H5Tclose(ft);
    H5Dclose(ds);
    unsetenv("CLVIS_HDF5_CONVERT");
    clvis_status s1 = kh5_read(path, f, "w", "", N, &fast);
    setenv("CLVIS_HDF5_CONVERT", "1", 1);
    int fallback_on = !half_fast_path_enabled();
    clvis_status s2 = kh5_read(path, f, "w", "", N, &ref);
    unsetenv("CLVIS_HDF5_CONVERT");
    H5Fclose(f);
    snprintf(label, sizeof label, "float16 (%s) read by both paths", oname);
    test_check(label, s1 == CLVIS_OK && s2 == CLVIS_OK && fallback_on, clvis_last_error());
    if (s1 == CLVIS_OK && s2 == CLVIS_OK) {
        int same = 0, exact = 0;
        for (int i = 0; i < N; i++) {
            same += bits_of(fast.data[i]) == bits_of(ref.data[i]) ||
                    (isnan(fast.data[i]) && isnan(ref.data[i]));
            exact += bits_of(fast.data[i]) == bits_of(half_to_float(v[i]));
        }
        test_checkf(same == N && exact == N && fast.rank == 2 && fast.dims[1] == 683,
                    "float16 (%s): %d of %d weights the same as libhdf5's, %d exact", oname, same,
                    N, exact);
    }
    kweight_free(&fast, 1);
    kweight_free(&ref, 1);
    unlink(path);
}

int main(void)
{
    kh5_quiet();
    test_exhaustive();
    char dir[] = "/tmp/clvis_half_XXXXXX";
    if (!mkdtemp(dir)) {
        test_fail("temporary directory", "mkdtemp failed");
        return test_summary();
    }
    test_file(dir, H5T_ORDER_LE, "little-endian");
    test_file(dir, H5T_ORDER_BE, "big-endian");
    rmdir(dir);
    return test_summary();
}
