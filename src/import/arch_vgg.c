/* arch_vgg.c — the bundled VGG16 / VGG19 architectures (Keras applications layout and names:
 * block1_conv1 .. block5_conv3/4, block*_pool, flatten, fc1, fc2, predictions), as a Keras 2
 * model_config, for weights-only release files such as
 * vgg16_weights_tf_dim_ordering_tf_kernels.h5 and its _notop twin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "import/keras.h"

static cJSON *layer(cJSON *list, const char *cls, const char *name)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "class_name", cls);
    cJSON *c = cJSON_AddObjectToObject(l, "config");
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddItemToArray(list, l);
    return c;
}

static void pair(cJSON *c, const char *key, int a, int b)
{
    int v[2] = {a, b};
    cJSON_AddItemToObject(c, key, cJSON_CreateIntArray(v, 2));
}

char *arch_vgg_config(const char *arch)
{
    int convs16[5] = {2, 2, 3, 3, 3}, convs19[5] = {2, 2, 4, 4, 4};
    const int filters[5] = {64, 128, 256, 512, 512};
    const int *convs;
    int top;
    if (!arch)
        return NULL;
    if (!strcmp(arch, "vgg16") || !strcmp(arch, "vgg16_notop"))
        convs = convs16;
    else if (!strcmp(arch, "vgg19") || !strcmp(arch, "vgg19_notop"))
        convs = convs19;
    else
        return NULL;
    top = strstr(arch, "_notop") == NULL;

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "class_name", "Sequential");
    cJSON *cfg = cJSON_AddObjectToObject(root, "config");
    char name[64];
    snprintf(name, sizeof name, "%.5s", arch);
    cJSON_AddStringToObject(cfg, "name", name);
    cJSON *list = cJSON_AddArrayToObject(cfg, "layers");

    cJSON *in = layer(list, "InputLayer", "input_1");
    cJSON *shape = cJSON_CreateArray();
    cJSON_AddItemToArray(shape, cJSON_CreateNull());
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(224));
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(224));
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(3));
    cJSON_AddItemToObject(in, "batch_input_shape", shape);

    for (int b = 0; b < 5; b++) {
        for (int k = 0; k < convs[b]; k++) {
            snprintf(name, sizeof name, "block%d_conv%d", b + 1, k + 1);
            cJSON *c = layer(list, "Conv2D", name);
            cJSON_AddNumberToObject(c, "filters", filters[b]);
            pair(c, "kernel_size", 3, 3);
            pair(c, "strides", 1, 1);
            pair(c, "dilation_rate", 1, 1);
            cJSON_AddStringToObject(c, "padding", "same");
            cJSON_AddStringToObject(c, "data_format", "channels_last");
            cJSON_AddStringToObject(c, "activation", "relu");
            cJSON_AddTrueToObject(c, "use_bias");
        }
        snprintf(name, sizeof name, "block%d_pool", b + 1);
        cJSON *p = layer(list, "MaxPooling2D", name);
        pair(p, "pool_size", 2, 2);
        pair(p, "strides", 2, 2);
        cJSON_AddStringToObject(p, "padding", "valid");
        cJSON_AddStringToObject(p, "data_format", "channels_last");
    }
    if (top) {
        layer(list, "Flatten", "flatten");
        static const struct {
            const char *name, *act;
            int units;
        } fc[3] = {{"fc1", "relu", 4096}, {"fc2", "relu", 4096}, {"predictions", "softmax", 1000}};
        for (int i = 0; i < 3; i++) {
            cJSON *d = layer(list, "Dense", fc[i].name);
            cJSON_AddNumberToObject(d, "units", fc[i].units);
            cJSON_AddStringToObject(d, "activation", fc[i].act);
            cJSON_AddTrueToObject(d, "use_bias");
        }
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

const char *arch_vgg_detect(const char *const *names, int n)
{
    int conv1 = 0, b5c3 = 0, b5c4 = 0, top = 0;
    for (int i = 0; i < n; i++) {
        conv1 |= !strcmp(names[i], "block1_conv1");
        b5c3 |= !strcmp(names[i], "block5_conv3");
        b5c4 |= !strcmp(names[i], "block5_conv4");
        top |= !strcmp(names[i], "fc1") || !strcmp(names[i], "predictions");
    }
    if (!conv1 || !b5c3)
        return NULL;
    if (b5c4)
        return top ? "vgg19" : "vgg19_notop";
    return top ? "vgg16" : "vgg16_notop";
}
