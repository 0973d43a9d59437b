/* half.h — IEEE 754 binary16 (float16) to float32, exactly, in plain C. Keras stores some
 * models' weights as float16; libhdf5's generic soft conversion of them took most of a warm
 * start-up (issue 16), this loop takes a few milliseconds for MobileNetV2. */
#ifndef CLVIS_IMPORT_HALF_H
#define CLVIS_IMPORT_HALF_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* One half's bits to float: every value exact (normals, subnormals, signed zeros, infinities);
 * a NaN stays a NaN with its sign and its payload shifted into the float's top mantissa bits. */
float half_to_float(uint16_t h);
/* n halves to n floats (src and dst must not overlap). */
void half_to_float_n(const uint16_t *src, float *dst, size_t n);
/* 1 when the HDF5 type t is IEEE binary16 (any byte order): 16 bits, sign at 15, exponent at
 * 10..14 with bias 15, mantissa at 0..9, normalised with an implied bit. */
int half_is_ieee_type(hid_t t);
/* 1 unless CLVIS_HDF5_CONVERT is set to a value other than "0": then float16 datasets go
 * through libhdf5's own conversion (the reference path, kept testable). */
int half_fast_path_enabled(void);

#endif
