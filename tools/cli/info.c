/* info.c — `clvis info`: a model.summary()-like table of a model. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/session.h"

int cmd_info(cli_args *o)
{
    if (o->npos == 1)
        o->model = o->pos[0];
    session s;
    if (session_open(o, &s, 1))
        return 1;
    clvis_model *m = s.model;
    int n = clvis_model_layer_count(m);
    printf("Model: \"%s\" (%s)\n", clvis_model_name(m), s.model_path);
    char line[120];
    memset(line, '_', 98);
    line[98] = 0;
    printf("%s\n %-34s %-22s %-22s %12s\n", line, "Layer (name)", "Type", "Output Shape",
           "Param #");
    memset(line, '=', 98);
    printf("%s\n", line);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        char shape[64];
        if (sh.h == 1 && sh.w == 1 && i > 0 && strcmp(clvis_model_layer_type(m, i), "Reshape"))
            snprintf(shape, sizeof shape, "(None, %d)", sh.c);
        else
            snprintf(shape, sizeof shape, "(None, %d, %d, %d)", sh.h, sh.w, sh.c);
        size_t p = clvis_model_layer_params(m, i);
        total += p;
        printf(" %-34.34s %-22.22s %-22s %12zu\n", clvis_model_layer_name(m, i),
               clvis_model_layer_type(m, i), shape, p);
    }
    printf("%s\n", line);
    clvis_shape in = clvis_model_input_shape(m);
    const char *src = clvis_model_preprocess_source(m);
    printf("Total params: %zu\nLayers: %d\nInput: %dx%dx%d\nPreprocessing: %s, %s%s%s\n", total, n,
           in.h, in.w, in.c, session_preprocess_desc(clvis_model_preprocess(m)),
           src ? "stated by " : "not stated by the model (the format's default)",
           src ? src : "", src ? "" : "; change it with --preprocess raw|scale|tf|caffe|torch");
    int gl = clvis_gradcam_default_layer(m);
    if (gl >= 0)
        printf("Grad-CAM layer (default): %s\n", clvis_model_layer_name(m, gl));
    printf("Outputs: %d\n", clvis_output_count(m));
    printf("Device: %s\nKernels: %s\n", s.device, clvis_ctx_kernels(s.ctx));
    fflush(stdout);
    session_preprocess_note(o, &s, 0);
    session_close(&s);
    return 0;
}

