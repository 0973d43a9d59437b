/* fuzz_json.c — the Keras model_config JSON to graph builder on arbitrary text. */
#include <string.h>

#include "fuzz_common.h"
#include "import/keras_internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    char *text = malloc(n + 1);
    if (!text)
        return 0;
    memcpy(text, data, n);
    text[n] = 0;
    kmodel km = {0};
    km.src = "fuzz.json";
    if (kjson_build_text(fuzz_ctx(), text, &km) == CLVIS_OK)
        graph_destroy(km.g);
    kjson_free(&km);
    free(text);
    return 0;
}
