/* atomic.c — file_write_atomic: an exclusive, never-followed temporary in the target's
 * directory, fsync, rename, fsync of the directory. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 64 unpredictable bits for a temporary's name; a clock-and-pid mix where getrandom fails
 * (O_EXCL keeps that safe, only guessable). */
static unsigned long long random_name(void)
{
    static unsigned long long counter;
    unsigned long long v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
        return v;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((unsigned long long)ts.tv_nsec ^ (unsigned long long)ts.tv_sec << 30 ^
            (unsigned long long)getpid() << 40) + ++counter * 0x9E3779B97F4A7C15ULL;
}

/* ---- live temporaries, removed by a signal handler ---------------------------------------- */

#define LIVE_SLOTS 16
#define LIVE_PATH 4352
static char live_path[LIVE_SLOTS][LIVE_PATH];
static volatile sig_atomic_t live_used[LIVE_SLOTS]; /* 1: a file, 2: a folder */
static int live_lock[LIVE_SLOTS]; /* claimed by a thread (compare-and-swap) */

static int live_add(const char *path, int kind)
{
    size_t n = path ? strlen(path) : 0;
    if (!n || n >= LIVE_PATH)
        return -1;
    for (int i = 0; i < LIVE_SLOTS; i++) {
        int free_ = 0;
        if (!__atomic_compare_exchange_n(&live_lock[i], &free_, 1, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_RELAXED))
            continue;
        memcpy(live_path[i], path, n + 1);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the path is complete before it is seen */
        live_used[i] = kind;
        return i;
    }
    return -1; /* all in use: this one is not cleaned on a signal (the sweep at start is) */
}

int atomic_live_add(const char *path)
{
    return live_add(path, 1);
}

int atomic_live_add_dir(const char *path)
{
    return live_add(path, 2);
}

void atomic_live_remove(int slot)
{
    if (slot < 0 || slot >= LIVE_SLOTS)
        return;
    live_used[slot] = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&live_lock[slot], 0, __ATOMIC_RELEASE);
}

void atomic_live_unlink_all(void)
{
    for (int i = 0; i < LIVE_SLOTS; i++)
        if (live_used[i] == 1)
            unlink(live_path[i]); /* async-signal-safe */
    for (int i = 0; i < LIVE_SLOTS; i++) /* then the folders, in the order given */
        if (live_used[i] == 2)
            rmdir(live_path[i]); /* only when empty */
}

static void on_fatal_signal(int sig)
{
    int e = errno;
    atomic_live_unlink_all();
    /* SA_RESETHAND put the default action back; the signal is blocked until we return, then
     * it ends the process as it would have (exit status "killed by SIGINT/SIGTERM") */
    raise(sig);
    errno = e;
}

int atomic_cleanup_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    int rc = 0;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* ignored (nohup, a background job's SIGINT): keep it so */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        rc |= sigaction(sigs[i], &sa, NULL);
    }
    return rc ? -1 : 0;
}

/* ---- the writer ------------------------------------------------------------------------------ */

clvis_status file_write_atomic_mode(const char *path, const void *data, size_t n, mode_t mode)
{
    if (!path || !*path || (!data && n > 0))
        return err_set(CLVIS_ERR_INVALID_ARG, "file_write_atomic: no path or no data");
    const char *slash = strrchr(path, '/');
    char dir[4096], tmp[4300];
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    if (dlen >= sizeof dir || strlen(path) + 64 >= sizeof tmp)
        return err_set(CLVIS_ERR_IO, "%s: path too long", path);
    if (slash) {
        memcpy(dir, path, dlen ? dlen : 1); /* "/x": the root */
        dir[dlen ? dlen : 1] = 0;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    const char *base = slash ? slash + 1 : path;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld.%016llx", dir, base, (long)getpid(),
                 random_name());
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot create a temporary file in %s: %s", path, dir,
                       strerror(errno));
    int live = atomic_live_add(tmp);
    const unsigned char *p = data;
    size_t left = n;
    const char *step = NULL;
    int e = 0;
    while (left > 0 && !step) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            step = "write failed";
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!step && fsync(fd) != 0) {
        step = "fsync failed";
        e = errno;
    }
    /* test-only: CLVIS_TEST_STALL_WRITE=TEXT holds a written temporary whose name contains TEXT
     * for 30 s before its rename, so a test can signal the process at that point */
    const char *stall = getenv("CLVIS_TEST_STALL_WRITE");
    if (!step && stall && *stall && strstr(base, stall))
        sleep(30);
    if (close(fd) != 0 && !step) {
        step = "close failed";
        e = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "cannot rename the temporary file into place";
        e = errno;
    }
    if (step)
        unlink(tmp);
    atomic_live_remove(live);
    if (step) {
        return err_set(CLVIS_ERR_IO, "%s: %s: %s", path, step, strerror(e));
    }
    /* the rename itself made durable; some file systems refuse fsync on a directory */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return CLVIS_OK;
}

clvis_status file_write_atomic(const char *path, const void *data, size_t n)
{
    return file_write_atomic_mode(path, data, n, 0666);
}
