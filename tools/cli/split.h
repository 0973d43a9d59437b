/* split.h — `--device all --split` on predict and gradcam: one run over several OpenCL devices
 * of this host. The parent lists the devices and starts this same program once per device
 * (posix_spawn of /proc/self/exe: nothing of the parent's OpenCL state is inherited), each with
 * its command line plus `--device I` and, in the environment, its part: CLVIS_SPLIT_PART=D/ND
 * and CLVIS_SPLIT_FD (a pipe for its counts). A part takes the images whose output name stem
 * hashes to D mod ND, so images whose names would meet (pic.png, pic.jpg) run in one process
 * and get the names an unsplit run gives; all parts write into the one --out (the manifest is
 * merged under flock). The parent sums the parts' counts into the one summary line and exits
 * with the worst part's status. With one device it runs in-process on it. */
#ifndef CLVIS_CLI_SPLIT_H
#define CLVIS_CLI_SPLIT_H

#include "cli/args.h"

/* The program's argv (main sets it), for the parts' command lines. */
extern int split_argc;
extern char **split_argv;

/* In a part: its D and ND (from CLVIS_SPLIT_PART); 0 when this process is not a part. */
int split_part(long *d, long *nd);
/* Whether the image at path belongs to part d of nd (by its output name stem). */
int split_mine(const char *path, long d, long nd);
/* In a part: reports the counts to the parent (CLVIS_SPLIT_FD); 1 when reported (the parent
 * prints the summary), 0 when this process is not a part. */
int split_report(int done, int total, int failed);

/* --split: runs run(o) once per device as above. Returns the exit status. */
int split_run(cli_args *o, int (*run)(cli_args *));

#endif
