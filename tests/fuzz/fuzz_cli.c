/* fuzz_cli.c — the command line's grammar (tools/cli/args.c) on arbitrary argument vectors:
 * the input is split at NUL bytes into argv. A parse that succeeds goes on to the layer-list
 * resolution against a small fixture model, as the commands do, and --device to the device
 * selector over a made-up list of devices. Besides crashes, it aborts on
 * a broken contract: a usage error without a one-line message, or a RUN without a command. */
#include <string.h>

#include "cl/runtime.h"
#include "cli/args.h"
#include "fuzz_common.h"

#define MAX_ARGS 256

static clvis_model *fuzz_model(void)
{
    static clvis_model *m;
    static int tried;
    if (!tried) {
        tried = 1;
        if (clvis_model_load(fuzz_ctx(), FUZZ_KERAS_DIR "/small_convnet.h5", NULL, &m) != CLVIS_OK) {
            fprintf(stderr, "fuzz_cli: %s\n", clvis_last_error());
            abort();
        }
    }
    return m;
}

static void fuzz_device(const char *sel)
{
    static device_entry all[3];
    static const clvis_device_type types[3] = {CLVIS_DEVICE_CPU, CLVIS_DEVICE_GPU,
                                               CLVIS_DEVICE_IGPU};
    for (int i = 0; i < 3; i++) {
        all[i].info.index = i;
        all[i].info.type = types[i];
        snprintf(all[i].info.name, sizeof all[i].info.name, "device %d", i);
        snprintf(all[i].info.vendor, sizeof all[i].info.vendor, "vendor %d", i);
    }
    int order[3], k = -1, named = 0;
    clvis_status st = device_select(all, 3, sel, order, &k, &named);
    if (st == CLVIS_OK && (k < 1 || k > 3))
        abort();
    for (int i = 0; st == CLVIS_OK && i < k; i++)
        if (order[i] < 0 || order[i] > 2)
            abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    char *buf = malloc(n + 1), *argv[MAX_ARGS];
    if (!buf)
        return 0;
    memcpy(buf, data, n);
    buf[n] = 0;
    int argc = 0;
    for (size_t i = 0; i <= n && argc < MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    cli_args a;
    char msg[1024];
    cli_result r = cli_parse(argc, argv, &a, msg, sizeof msg);
    if (r == CLI_USAGE && (!*msg || strchr(msg, '\n')))
        abort();
    if (r == CLI_RUN) {
        if (!a.cmd)
            abort();
        if (a.device)
            fuzz_device(a.device);
        int *ids = NULL, k = 0;
        const char *lists[] = {a.layers, a.layer, a.grad ? a.grad_layer : NULL};
        for (int i = 0; i < 3; i++) {
            if (!lists[i])
                continue;
            if (cli_layer_list(fuzz_model(), lists[i], &ids, &k, msg, sizeof msg) == 0) {
                for (int j = 0; j < k; j++)
                    if (ids[j] < 0 || ids[j] >= clvis_model_layer_count(fuzz_model()))
                        abort();
                free(ids);
            } else if (!*msg || ids) {
                abort();
            }
        }
    }
    cli_free(&a);
    free(buf);
    return 0;
}
