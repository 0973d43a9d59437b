/* fuzz_image.c — PNG / JPEG decoding (image_load) on arbitrary bytes. */
#include "fuzz_common.h"
#include "io/image.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    const char *path = fuzz_write(data, n, ".img");
    image8 img = {0};
    if (image_load(path, &img) == CLVIS_OK) {
        if (img.w <= 0 || img.h <= 0 || !img.px)
            abort(); /* a success must be a usable image */
        image_free(&img);
    }
    unlink(path);
    return 0;
}
