/* main.c — the `clvis` command line: parses (args.c), then runs the command's function from
 * the command table (commands.h, one file per command). Results go to stdout, progress to
 * stderr. Exit codes: 0 success, 1 runtime failure (one line "clvis: <message>" on stderr),
 * 2 usage error. */
#include <stdio.h>

#include "clvis.h"
#include "cli/args.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/split.h"
#include "cli/util.h"

int main(int argc, char **argv)
{
    split_argc = argc;
    split_argv = argv;
    cli_args o;
    char msg[1024];
    cli_result r = cli_parse(argc - 1, argv + 1, &o, msg, sizeof msg);
    if (r == CLI_VERSION) {
        printf("clvis %s\n", clvis_version());
        cli_free(&o);
        return 0;
    }
    if (r == CLI_HELP) {
        if (o.cmd)
            cli_help(stdout, o.cmd);
        else
            cli_usage_all(stdout);
        cli_free(&o);
        return 0;
    }
    if (r == CLI_USAGE) {
        fprintf(stderr, "clvis: %s\n", msg);
        if (o.cmd)
            fprintf(stderr, "Try 'clvis %s --help'.\n", o.cmd->name);
        else
            cli_usage_all(stderr);
        cli_free(&o);
        return 2;
    }
    cli_quiet = o.quiet;
    long part, parts;
    if (split_part(&part, &parts)) /* a part of --split: whole lines, never mixed with others' */
        setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.given & F_MAX_PIXELS)
        clvis_image_set_max_pixels(o.max_pixels); /* in range: checked by the grammar */
    /* Ctrl-C, SIGTERM: the temporaries being written are removed, then the signal ends us */
    util_cleanup_on_signals();
    int rc = o.cmd->run(&o);
    if (out_flush() && !rc) /* the index entries held back (outdir.h) */
        rc = 1;
    out_finish(); /* an output folder this run created and left empty is removed */
    cli_free(&o);
    return rc;
}
