/* fuzz_tiff.c — TIFF decoding (image_decode_tiff: libtiff from memory, its RGBA interface) on arbitrary bytes.
 * The pixel limit is 4 MP so a header declaring a big image costs milliseconds, not seconds; a
 * success must be a usable RGB image of the declared size. */
#include "fuzz_common.h"
#include "io/image_decode.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    static int once;
    if (!once++)
        image_set_max_pixels(4L << 20);
    image8 img = {0};
    if (image_decode_tiff("fuzz.tiff", data, n, &img) == CLVIS_OK) {
        if (img.w <= 0 || img.h <= 0 || img.c != 3 || !img.px ||
            (long)img.w * img.h > image_max_pixels())
            abort();
        volatile unsigned char sink = img.px[(size_t)img.w * img.h * 3 - 1];
        (void)sink;
        image_free(&img);
    } else if (img.px) {
        abort(); /* a failure leaves nothing behind */
    }
    return 0;
}
