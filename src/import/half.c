/* half.c — float16 -> float32 by bit manipulation (see half.h). */
#include "half.h"

#include <stdlib.h>
#include <string.h>

float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu, bits;
    if (e == 0x1f) {
        bits = sign | 0x7f800000u | (m << 13); /* inf (m == 0) or NaN */
    } else if (e != 0) {
        bits = sign | ((e + (127 - 15)) << 23) | (m << 13);
    } else if (m == 0) {
        bits = sign; /* signed zero */
    } else {
        /* subnormal: m * 2^-24; shift the leading one up to the implied bit (bit 10) */
        uint32_t shift = 0;
        while (!(m & 0x400u)) {
            m <<= 1;
            shift++;
        }
        bits = sign | ((113u - shift) << 23) | ((m & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void half_to_float_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = half_to_float(src[i]);
}

int half_is_ieee_type(hid_t t)
{
    if (H5Tget_class(t) != H5T_FLOAT || H5Tget_size(t) != 2 || H5Tget_precision(t) != 16 ||
        H5Tget_offset(t) != 0 || H5Tget_ebias(t) != 15 || H5Tget_norm(t) != H5T_NORM_IMPLIED)
        return 0;
    size_t spos, epos, esize, mpos, msize;
    if (H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) < 0)
        return 0;
    H5T_order_t o = H5Tget_order(t);
    return spos == 15 && epos == 10 && esize == 5 && mpos == 0 && msize == 10 &&
           (o == H5T_ORDER_LE || o == H5T_ORDER_BE);
}

int half_fast_path_enabled(void)
{
    const char *v = getenv("CLVIS_HDF5_CONVERT");
    return !(v && *v && strcmp(v, "0") != 0);
}
