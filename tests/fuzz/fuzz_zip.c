/* fuzz_zip.c — the Keras 3 `.keras` reader: libzip opening the archive, reading config.json and
 * model.weights.h5 (size checks, short reads, CRC), then the model build. Inputs that are not
 * zips (no "PK" at the start) are left to fuzz_keras and kept out of this corpus. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    if (n < 4 || data[0] != 'P' || data[1] != 'K')
        return -1;
    const char *path = fuzz_write(data, n, ".keras");
    clvis_model *m = NULL;
    if (clvis_model_load(fuzz_ctx(), path, NULL, &m) == CLVIS_OK)
        clvis_model_destroy(m);
    unlink(path);
    return 0;
}
