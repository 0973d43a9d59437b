/* devices.c — `clvis devices`: every OpenCL device, as a table or one JSON object per line. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"

static void fmt_bytes(char *b, size_t cap, uint64_t v)
{
    if (v >= (1ull << 30))
        snprintf(b, cap, "%.1f GiB", v / 1073741824.0);
    else if (v >= (1ull << 20))
        snprintf(b, cap, "%.1f MiB", v / 1048576.0);
    else
        snprintf(b, cap, "%.0f KiB", v / 1024.0);
}

int cmd_devices(cli_args *o)
{
    clvis_device_info *list = NULL;
    int n = 0;
    char k0[320];
    /* a malformed --kernels fails before any device (index -1 is none: only the grammar) */
    if (o->kernels && clvis_device_kernels(-1, o->kernels, k0, sizeof k0) == CLVIS_ERR_INVALID_ARG)
        return cli_fail("--kernels: %s", clvis_last_error());
    clvis_status st = clvis_devices(&list, &n);
    if (st)
        return cli_fail_st(st);
    if (o->json) {
        for (int i = 0; i < n; i++) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "index", list[i].index);
            cJSON_AddStringToObject(j, "type", clvis_device_type_name(list[i].type));
            cJSON_AddStringToObject(j, "name", list[i].name);
            cJSON_AddStringToObject(j, "vendor", list[i].vendor);
            cJSON_AddStringToObject(j, "platform", list[i].platform);
            cJSON_AddStringToObject(j, "driver", list[i].driver);
            cJSON_AddStringToObject(j, "version", list[i].version);
            cJSON_AddNumberToObject(j, "compute_units", list[i].compute_units);
            cJSON_AddNumberToObject(j, "global_mem", (double)list[i].global_mem);
            cJSON_AddNumberToObject(j, "local_mem", (double)list[i].local_mem);
            cJSON_AddBoolToObject(j, "fp16", list[i].fp16);
            cJSON_AddBoolToObject(j, "fp64", list[i].fp64);
            char k[320];
            if (clvis_device_kernels(list[i].index, o->kernels, k, sizeof k) == CLVIS_OK)
                cJSON_AddStringToObject(j, "kernels", k);
            else
                cJSON_AddStringToObject(j, "kernels_error", clvis_last_error());
            char *t = cJSON_PrintUnformatted(j);
            printf("%s\n", t);
            free(t);
            cJSON_Delete(j);
        }
    } else {
        printf("%-3s %-6s %-40s %-24s %-18s %-12s %4s %10s %9s %4s %4s\n", "#", "type", "name",
               "vendor", "driver", "OpenCL", "CUs", "global", "local", "fp16", "fp64");
        for (int i = 0; i < n; i++) {
            char gm[32], lm[32], ver[64];
            fmt_bytes(gm, sizeof gm, list[i].global_mem);
            fmt_bytes(lm, sizeof lm, list[i].local_mem);
            /* "OpenCL 3.0 PoCL ..." -> "3.0" */
            const char *v = list[i].version;
            if (!strncmp(v, "OpenCL ", 7))
                v += 7;
            snprintf(ver, sizeof ver, "%.*s", (int)strcspn(v, " "), v);
            printf("%-3d %-6s %-40.40s %-24.24s %-18.18s %-12s %4u %10s %9s %4s %4s\n",
                   list[i].index, clvis_device_type_name(list[i].type), list[i].name,
                   list[i].vendor, list[i].driver, ver, list[i].compute_units, gm, lm,
                   list[i].fp16 ? "yes" : "no", list[i].fp64 ? "yes" : "no");
        }
        /* which kernels each device would run (src/cl/select.c's table, --kernels) */
        for (int i = 0; i < n; i++) {
            char k[320];
            if (clvis_device_kernels(list[i].index, o->kernels, k, sizeof k) == CLVIS_OK)
                printf("kernels %d: %s\n", list[i].index, k);
            else
                printf("kernels %d: %s\n", list[i].index, clvis_last_error());
        }
    }
    free(list);
    return 0;
}

