/* gradcam.c — embedding libclvis: load a Keras model, run Grad-CAM of the top-1 class on a
 * photo and write the overlay (listing 5.44) as a PNG, with nothing but clvis.h.
 * Usage: example_gradcam MODEL.h5 PHOTO OUT.png
 * Build: cc gradcam.c $(pkg-config --cflags --libs clvis) -o example_gradcam */
#include <stdio.h>
#include <stdlib.h>

#include "clvis.h"

static int die(const char *what)
{
    fprintf(stderr, "example_gradcam: %s: %s\n", what, clvis_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL.h5 PHOTO OUT.png\n", argv[0]);
        return 2;
    }
    clvis_ctx *ctx = NULL;
    clvis_model *model = NULL;
    float *x = NULL;
    clvis_image photo = {0}, overlay = {0};
    clvis_gradcam_result cam = {0};
    int rc = 1;

    if (clvis_ctx_create(NULL, &ctx)) /* $CLVIS_DEVICE, else the best device */
        return die("device");
    if (clvis_model_load(ctx, argv[1], NULL, &model)) {
        rc = die(argv[1]);
        goto done;
    }
    x = malloc(clvis_input_count(model) * sizeof *x);
    if (!x) {
        fprintf(stderr, "example_gradcam: out of memory\n");
        goto done;
    }
    /* resized and preprocessed as the model wants (-1); photo keeps the full-size picture */
    if (clvis_input_load(model, argv[2], -1, x, &photo)) {
        rc = die(argv[2]);
        goto done;
    }
    /* last conv layer, top-1 class, the book */
    clvis_gradcam_options opt = {-1, -1, 0, NULL, 0, NULL, NULL};
    if (clvis_gradcam(model, x, &opt, &cam) ||
        clvis_gradcam_overlay(&overlay, &photo, cam.map, cam.h, cam.w) ||
        clvis_image_write_png(argv[3], &overlay)) {
        rc = die("Grad-CAM");
        goto done;
    }
    printf("%s: class %d (p = %.4f) at layer %s -> %s\n", argv[2], cam.cls, cam.prob,
           clvis_model_layer_name(model, cam.layer), argv[3]);
    rc = 0;
done:
    clvis_gradcam_free(&cam);
    clvis_image_free(&overlay);
    clvis_image_free(&photo);
    free(x);
    clvis_model_destroy(model);
    clvis_ctx_destroy(ctx);
    return rc;
}
