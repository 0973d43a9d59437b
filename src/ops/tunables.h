/* tunables.h — constants shared by host code and kernels, defined once; kernels get them via -D. */
/* CLVIS_KERNEL_DEFINES is appended to the program's build options (src/cl/program.c), which are
 * part of the kernel cache key: changing a value here rebuilds the kernels. */
#ifndef CLVIS_TUNABLES_H
#define CLVIS_TUNABLES_H

/* conv2d_fast's tile (kernels/conv.cl, src/ops/conv.c): output pixels per work-item, fixed at
 * 16 by its float16 accumulators, and output channels per work-item, fixed at 8 by its eight
 * named accumulators. The kernel refuses other values at build time. */
#define CONV_FAST_PXB 16
#define CONV_FAST_OCB 8
/* conv2d_blk's tiles (kernels/conv_blk.cl, src/ops/conv_blk.c): output pixels per work-item
 * of conv2d_blk and of conv2d_blk7 (7 divides VGG16's 14..224 widths), and output channels
 * (two float8 vectors) per work-item, fixed by their 2 x 6 / 2 x 7 named accumulators; the
 * kernels refuse other values. */
#define CONV_BLK_PX 6
#define CONV_BLK_PX7 7
#define CONV_BLK_OC 16
/* conv2d_wino's GEMM block (kernels/conv_wino.cl, src/ops/conv_wino.c): output channels and
 * tiles per work-item, fixed by its 6 x 2 named float8 accumulators; the kernel refuses others. */
#define WINO_OC 6
#define WINO_TB 16
/* conv2d_wino_gemm16's (the same on devices with 16-wide native float vectors: AVX-512):
 * output channels per work-item, fixed by its 24 named float16 accumulators (one per channel,
 * WINO_TB tiles each) */
#define WINO_OC16 24

/* Activation codes: act_kind in ops.h, act_apply / act_grad in kernels/common.cl. */
#define ACT_CODE_LINEAR 0
#define ACT_CODE_RELU 1
#define ACT_CODE_SIGMOID 2
#define ACT_CODE_TANH 3
#define ACT_CODE_SOFTMAX 4
/* Standalone activation layers only (act_forward_p / act_backward_p, kernels/act.cl): not fused
 * into conv / dense, whose act_apply knows the five above. */
#define ACT_CODE_LEAKY 5
#define ACT_CODE_HARDSIGMOID 6
#define ACT_CODE_HARDSWISH 7
#define ACT_CODE_CLIP 8
#define ACT_CODE_ELU 9
#define ACT_CODE_LOGSOFTMAX 10
#define ACT_CODE_SOFTPLUS 11

#define CLVIS_STR_(x) #x
#define CLVIS_STR(x) CLVIS_STR_(x)

/* The -D options of the kernel build, from the values above. */
#define CLVIS_KERNEL_DEFINES                                                                   \
    "-DCONV_FAST_PXB=" CLVIS_STR(CONV_FAST_PXB) " -DCONV_FAST_OCB=" CLVIS_STR(CONV_FAST_OCB)  \
    " -DCONV_BLK_PX=" CLVIS_STR(CONV_BLK_PX) " -DCONV_BLK_OC=" CLVIS_STR(CONV_BLK_OC)         \
    " -DCONV_BLK_PX7=" CLVIS_STR(CONV_BLK_PX7)                                                \
    " -DACT_LINEAR=" CLVIS_STR(ACT_CODE_LINEAR) " -DACT_RELU=" CLVIS_STR(ACT_CODE_RELU)       \
    " -DACT_SIGMOID=" CLVIS_STR(ACT_CODE_SIGMOID) " -DACT_TANH=" CLVIS_STR(ACT_CODE_TANH)     \
    " -DACT_SOFTMAX=" CLVIS_STR(ACT_CODE_SOFTMAX) " -DACT_LEAKY=" CLVIS_STR(ACT_CODE_LEAKY)      \
    " -DACT_HARDSIGMOID=" CLVIS_STR(ACT_CODE_HARDSIGMOID)                                        \
    " -DACT_HARDSWISH=" CLVIS_STR(ACT_CODE_HARDSWISH) " -DACT_CLIP=" CLVIS_STR(ACT_CODE_CLIP)   \
    " -DACT_ELU=" CLVIS_STR(ACT_CODE_ELU) " -DACT_LOGSOFTMAX=" CLVIS_STR(ACT_CODE_LOGSOFTMAX)   \
    " -DACT_SOFTPLUS=" CLVIS_STR(ACT_CODE_SOFTPLUS)                                           \
    " -DWINO_OC=" CLVIS_STR(WINO_OC) " -DWINO_TB=" CLVIS_STR(WINO_TB) " -DWINO_OC16=" CLVIS_STR(WINO_OC16)

#endif
