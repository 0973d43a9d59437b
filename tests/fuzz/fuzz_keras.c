/* fuzz_keras.c — the Keras model loader (HDF5 full model / weights-only, Keras 3 zip) on
 * arbitrary bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    const char *path = fuzz_write(data, n, ".h5");
    clvis_model *m = NULL;
    if (clvis_model_load(fuzz_ctx(), path, NULL, &m) == CLVIS_OK)
        clvis_model_destroy(m);
    unlink(path);
    return 0;
}
