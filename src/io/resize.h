/* resize.h — the two resamplers the book relies on (PIL NEAREST as in Keras load_img, cv2
 * INTER_LINEAR on float32) and the model input preprocessing modes. */
#ifndef CLVIS_IO_RESIZE_H
#define CLVIS_IO_RESIZE_H

#include "core/error.h"
#include "io/image.h"

/* PIL Image.resize(NEAREST), Keras load_img's default: source index of destination x is
 * floor((x + 0.5) * sw / dw), evaluated as PIL does (x0 = 0.5 * sw/dw, then += sw/dw per
 * pixel in double). dst is allocated (dw x dh x src->c); same size: a copy. */
clvis_status keras_resize_nearest(image8 *dst, int dw, int dh, const image8 *src);

/* cv2.resize(src, (dw, dh), interpolation=INTER_LINEAR) on interleaved float32 data with
 * `channels` channels: half-pixel centres, border replicate, float weights as OpenCV
 * computes them (fx = (float)((dx + 0.5) * scale - 0.5)). dst holds dw*dh*channels floats. */
clvis_status cv_resize_bilinear_f32(float *dst, int dw, int dh, const float *src, int sw, int sh,
                                    int channels);

/* torchvision's evaluation transform up to the tensor: Resize(256) with Pillow's BILINEAR
 * (scaled for a crop other than 224), CenterCrop to dw x dh (resize_torch.c). */
clvis_status torch_resize_crop(image8 *dst, int dw, int dh, const image8 *src);
/* torchvision's ImageNet Normalize. */
extern const float image_torch_mean[3], image_torch_std[3];

/* Pillow's Image.convert("L") of an RGB image, exactly: the ITU-R 601-2 luma
 * L = R*299/1000 + G*587/1000 + B*114/1000 as Pillow computes it, in 16-bit fixed point
 * (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. dst is allocated (c = 1); a gray image (c = 1)
 * is copied. */
clvis_status image_to_gray(image8 *dst, const image8 *src);

/* img (RGB, c = 3; or gray, c = 1, for RAW, SCALE and TF) -> out_nhwc (h*w*3 floats, one batch item) in float32 arithmetic, as
 * Keras' preprocess_input does: RAW x, SCALE x/255, TF x/127.5 - 1, CAFFE BGR minus
 * [103.939, 116.779, 123.68]; TORCH (x/255 - mean) / std, torchvision's ToTensor + Normalize.
 * One value per pixel and channel: out_nhwc holds w*h*img->c floats. */
void image_preprocess(float *out_nhwc, const image8 *img, clvis_preprocess mode);

#endif
