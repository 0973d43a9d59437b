/* image_webp.c — WebP decoding (Debian's libwebp) to RGB: lossy and lossless, alpha dropped as
 * PIL's convert('RGB') does. Animated files are refused (PIL would read their first frame). */
#include <webp/decode.h>

#include "io/image_decode.h"

clvis_status image_decode_webp(const char *path, const unsigned char *data, size_t n,
                               image8 *img)
{
    WebPBitstreamFeatures f;
    VP8StatusCode vs = WebPGetFeatures(data, n, &f);
    if (vs != VP8_STATUS_OK)
        return err_set(CLVIS_ERR_FORMAT, "%s: corrupt or truncated WebP header (libwebp status %d)",
                       path, (int)vs);
    if (f.has_animation)
        return err_set(CLVIS_ERR_FORMAT, "%s: animated WebP is not read", path);
    clvis_status st = image_check_size(path, "WebP", f.width, f.height);
    if (st == CLVIS_OK)
        st = image_alloc(img, f.width, f.height, 3);
    if (st != CLVIS_OK)
        return st;
    size_t stride = (size_t)f.width * 3;
    if (!WebPDecodeRGBInto(data, n, img->px, stride * (size_t)f.height, (int)stride)) {
        image_free(img);
        return err_set(CLVIS_ERR_FORMAT, "%s: corrupt or truncated WebP", path);
    }
    return CLVIS_OK;
}
