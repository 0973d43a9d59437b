/* lucid_optim.c — the optimisers of --style lucid on device parameters: Adam as TensorFlow's
 * AdamOptimizer does it (Lucid's default, lr 0.05, beta1 0.9, beta2 0.999, epsilon 1e-8) or as
 * torch.optim.Adam does it (Lucent's: the epsilon sits elsewhere), and the book's RMS-normalised
 * step. */
#include <math.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

void lucid_adam_init(lucid_adam *a, float lr)
{
    *a = (lucid_adam){lr, 0.9f, 0.999f, 1e-8f, 0, 0};
}

void lucid_adam_init_torch(lucid_adam *a, float lr)
{
    *a = (lucid_adam){lr, 0.9f, 0.999f, 1e-8f, 0, 1};
}

clvis_status lucid_adam_step(clvis_ctx *ctx, lucid_adam *a, cl_mem p, cl_mem g, cl_mem m,
                             cl_mem v, int n)
{
    a->t++;
    /* tf.train.AdamOptimizer: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t) */
    float lr_t = (float)(a->lr * sqrt(1.0 - pow(a->b2, a->t)) / (1.0 - pow(a->b1, a->t)));
    /* torch.optim.Adam: lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), which is the
     * step above with eps * sqrt(1 - b2^t) in place of eps */
    float eps = a->torch ? (float)(a->eps * sqrt(1.0 - pow(a->b2, a->t))) : a->eps;
    karg args[] = {KMEM(p), KMEM(g), KMEM(m), KMEM(v), KARG(n), KARG(lr_t), KARG(a->b1),
                   KARG(a->b2), KARG(eps)};
    return kernel_run(ctx, K_lucid_adam, (size_t)n, args, NARGS(args));
}

clvis_status lucid_rms_step(clvis_ctx *ctx, cl_mem p, cl_mem g, cl_mem ss, int B, int per,
                            float lr)
{
    karg a1[] = {KMEM(ss), KMEM(g), KARG(B), KARG(per)};
    clvis_status st = kernel_run(ctx, K_lucid_item_sumsq, (size_t)B, a1, NARGS(a1));
    if (st)
        return st;
    karg a2[] = {KMEM(p), KMEM(g), KMEM(ss), KARG(B), KARG(per), KARG(lr)};
    return kernel_run(ctx, K_lucid_rms_step, (size_t)B * per, a2, NARGS(a2));
}
