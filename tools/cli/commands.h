/* commands.h — the run function of each `clvis` command, one file each (devices.c, info.c,
 * ...). args.c's command table names them; main() calls the one parsed. Each returns the exit
 * status: 0, or 1 after a one-line error on stderr. */
#ifndef CLVIS_CLI_COMMANDS_H
#define CLVIS_CLI_COMMANDS_H

#include "cli/args.h"

int cmd_devices(cli_args *o);
int cmd_info(cli_args *o);
int cmd_predict(cli_args *o);
int cmd_activations(cli_args *o);
int cmd_filters(cli_args *o);
int cmd_dream(cli_args *o);
/* filters --style lucid (filters_lucid.c) */
int cmd_filters_lucid(cli_args *o);
int cmd_gradcam(cli_args *o);
int cmd_saliency(cli_args *o);
int cmd_evaluate(cli_args *o);
int cmd_dump(cli_args *o);
int cmd_bench(cli_args *o);
int cmd_report(cli_args *o);

#endif
