// SPDX-License-Identifier: MIT
/* The raw C floor: what the kernel and glibc cost with nothing on top.
 *   floor spawn RSS_MIB COUNT        µs per posix_spawn + waitpid of /bin/true
 *   floor inflight COUNT             spawns/s with 32 children in flight
 *   floor throughput WRITER BYTES    GB/s read from a child's stdout (socketpair, 64 KiB reads)
 *   floor capture WRITER BYTES       "ms peakRssMiB" to buffer a child's whole stdout
 *   floor ipc-rt COUNT | ipc-oneway COUNT | ipc-big COUNT
 *                                    newline-framed messages over a socketpair to a C echo child
 *   floor ipc-rt-epoll COUNT         the round trip with both ends waiting in epoll_wait
 *                                    before each read, as any event loop does
 *   floor scale N PIPES [PIDFD]      N `sleep` children alive at once, stdout and stderr piped
 *                                    (PIPES 2) or /dev/null (PIPES 0), with a pidfd held for each
 *                                    (PIDFD 1, as the pidfd backends hold) or not:
 *                                    "startMs reapMs KiBPerChild fdsPerChild first10Us last10Us"
 *                                    (start all, then SIGKILL and reap all; the parent's RSS and
 *                                    fds per live child; µs per spawn for the first and last 10)
 *   floor echo-child                 (internal) the IPC peer
 * Prints one line: the number(s). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void holdResident(long mib) {
    if (mib <= 0) return;
    char* p = malloc((size_t)mib << 20);
    memset(p, 1, (size_t)mib << 20); /* touched: resident, as the parent's heap would be */
    /* Without this the compiler drops the unused block, and the floor's parent stays small. */
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* The same job as the others': stdio the caller does not pipe is /dev/null
 * (stdio 'ignore'), from one fd opened once, the cheapest way there is; the IPC
 * child inherits it (fork()'s default). */
static pid_t spawnWith(const char* file, char* const argv[], int outFd, int ipcFd) {
    static int devNull = -1;
    if (devNull < 0 && (devNull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) exit(3);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (ipcFd < 0) {
        posix_spawn_file_actions_adddup2(&fa, devNull, 0);
        posix_spawn_file_actions_adddup2(&fa, devNull, 2);
    }
    if (outFd >= 0) posix_spawn_file_actions_adddup2(&fa, outFd, 1);
    else if (ipcFd < 0) posix_spawn_file_actions_adddup2(&fa, devNull, 1);
    if (ipcFd >= 0) posix_spawn_file_actions_adddup2(&fa, ipcFd, 3);
    pid_t pid;
    if (posix_spawn(&pid, file, &fa, NULL, argv, environ) != 0) exit(3);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static void writeAll(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) exit(4);
        p += w;
        n -= (size_t)w;
    }
}

/* Read until `count` newlines arrived; keeps leftovers in *carry. */
/* memchr, not a byte loop: the floor must not be slower than the code it measures. */
static long countLines(const char* p, size_t n) {
    long lines = 0;
    const char* end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
        ++lines;
        ++p;
    }
    return lines;
}

/* ipc-rt-epoll: each read waits in epoll_wait first, as an event loop does; -1: block in read. */
static int epollFd = -1;

static ssize_t readSome(int fd, char* buf, size_t cap) {
    if (epollFd < 0) return read(fd, buf, cap);
    struct epoll_event ev;
    while (epoll_wait(epollFd, &ev, 1, -1) < 0)
        if (errno != EINTR) return -1;
    return read(fd, buf, cap);
}

static void useEpoll(int fd) {
    struct epoll_event ev = {.events = EPOLLIN};
    epollFd = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd < 0 || epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &ev) != 0) exit(6);
}

/* The parent's resident KiB and open fds, as every peer's scale mode reads them. */
static long residentKiB(void) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kib = atol(line + 6);
    if (f) fclose(f);
    return kib;
}

static long openFds(void) {
    long n = 0;
    DIR* d = opendir("/proc/self/fd");
    while (d && readdir(d)) ++n;
    if (d) closedir(d);
    return n;
}

static void scale(long n, int piped, int pidfd) {
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    const int devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devNull < 0) exit(3);
    pid_t* pids = malloc(sizeof(pid_t) * (size_t)n);
    int* fds = malloc(sizeof(int) * 2 * (size_t)n);
    char* sleepArgv[] = {"/bin/sleep", "3600", NULL};
    const long rss0 = residentKiB(), fds0 = openFds();
    double first = 0, last = 0;
    const double t0 = now();
    for (long i = 0; i < n; ++i) {
        const double s = now();
        int out[2] = {devNull, -1}, err[2] = {devNull, -1};
        if (piped && (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))) exit(4);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, devNull, 0);
        posix_spawn_file_actions_adddup2(&fa, piped ? out[1] : devNull, 1);
        posix_spawn_file_actions_adddup2(&fa, piped ? err[1] : devNull, 2);
        if (posix_spawn(&pids[i], sleepArgv[0], &fa, NULL, sleepArgv, environ) != 0) exit(3);
        posix_spawn_file_actions_destroy(&fa);
        if (pidfd && syscall(SYS_pidfd_open, pids[i], 0) < 0) exit(5);
        if (piped) {
            close(out[1]);
            close(err[1]);
        }
        fds[2 * i] = piped ? out[0] : -1;
        fds[2 * i + 1] = piped ? err[0] : -1;
        const double took = now() - s;
        if (i < 10) first += took;
        if (i >= n - 10) last += took;
    }
    const double started = now() - t0;
    const long rss1 = residentKiB(), fds1 = openFds();
    const double t1 = now();
    for (long i = 0; i < n; ++i) kill(pids[i], SIGKILL);
    for (long i = 0; i < n; ++i) {
        waitpid(pids[i], NULL, 0);
        if (piped) {
            close(fds[2 * i]);
            close(fds[2 * i + 1]);
        }
    }
    printf("%.0f %.0f %.2f %.2f %.1f %.1f\n", started * 1e3, (now() - t1) * 1e3, (double)(rss1 - rss0) / n,
           (double)(fds1 - fds0) / n, first / 10 * 1e6, last / 10 * 1e6);
}

static long readLines(int fd, long count, char* buf, size_t cap) {
    long seen = 0;
    while (seen < count) {
        ssize_t n = readSome(fd, buf, cap);
        if (n <= 0) exit(5);
        seen += countLines(buf, (size_t)n);
    }
    return seen;
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    char* trueArgv[] = {"/bin/true", NULL};

    if (!strcmp(mode, "spawn")) {
        holdResident(atol(argv[2]));
        long count = atol(argv[3]);
        double t0 = now();
        for (long i = 0; i < count; ++i) waitpid(spawnWith("/bin/true", trueArgv, -1, -1), NULL, 0);
        printf("%.1f\n", (now() - t0) / count * 1e6);
    } else if (!strcmp(mode, "inflight")) {
        long count = atol(argv[2]), started = 0, done = 0;
        double t0 = now();
        for (; started < 32 && started < count; ++started) spawnWith("/bin/true", trueArgv, -1, -1);
        while (done < count) {
            waitpid(-1, NULL, 0);
            ++done;
            if (started < count) {
                spawnWith("/bin/true", trueArgv, -1, -1);
                ++started;
            }
        }
        printf("%.0f\n", count / (now() - t0));
    } else if (!strcmp(mode, "throughput") || !strcmp(mode, "capture")) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        char* wargv[] = {argv[2], argv[3], NULL};
        double t0 = now();
        pid_t pid = spawnWith(argv[2], wargv, sv[1], -1);
        close(sv[1]);
        long long total = 0;
        if (!strcmp(mode, "throughput")) {
            static char buf[65536];
            ssize_t n;
            while ((n = read(sv[0], buf, sizeof buf)) > 0) total += n;
            waitpid(pid, NULL, 0);
            printf("%.2f\n", total / (now() - t0) / 1e9);
        } else {
            size_t cap = 1 << 16;
            char* data = malloc(cap);
            ssize_t n;
            for (;;) {
                if (cap - total < 65536) data = realloc(data, cap *= 2);
                if ((n = read(sv[0], data + total, 65536)) <= 0) break;
                total += n;
            }
            waitpid(pid, NULL, 0);
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            printf("%.1f %.1f\n", (now() - t0) * 1e3, ru.ru_maxrss / 1024.0);
            free(data);
        }
    } else if (!strcmp(mode, "scale")) {
        scale(atol(argv[2]), atoi(argv[3]) != 0, argc > 4 && atoi(argv[4]) != 0);
    } else if (!strcmp(mode, "echo-child") || !strcmp(mode, "echo-child-epoll")) {
        /* Echo each line back; count lines for one-way runs ("N\n" at the end). */
        static char buf[1 << 17];
        long lines = 0;
        ssize_t n;
        const int oneway = argc > 2;
        long target = oneway ? atol(argv[2]) : 0;
        if (strstr(mode, "epoll")) useEpoll(3);
        while ((n = readSome(3, buf, sizeof buf)) > 0) {
            if (!oneway) writeAll(3, buf, (size_t)n);
            else {
                lines += countLines(buf, (size_t)n);
                if (lines >= target) {
                    writeAll(3, "done\n", 5);
                    lines = -1 << 30;
                }
            }
        }
    } else if (!strncmp(mode, "ipc-", 4)) {
        long count = atol(argv[2]);
        const int epoll = !strcmp(mode, "ipc-rt-epoll");
        const int rt = !strcmp(mode, "ipc-rt") || epoll;
        size_t size = !strcmp(mode, "ipc-big") ? 65536 : 16;
        char* msg = malloc(size + 1);
        memset(msg, 'm', size);
        msg[0] = '"';
        msg[size - 1] = '"';
        msg[size] = '\n';
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        char countText[32];
        snprintf(countText, sizeof countText, "%ld", count);
        char* cargv[] = {argv[0], epoll ? "echo-child-epoll" : "echo-child", rt ? NULL : countText, NULL};
        pid_t pid = spawnWith("/proc/self/exe", cargv, -1, sv[1]);
        close(sv[1]);
        if (epoll) useEpoll(sv[0]);
        static char buf[1 << 17];
        double t0 = now();
        if (rt) {
            for (long i = 0; i < count; ++i) {
                writeAll(sv[0], msg, size + 1);
                readLines(sv[0], 1, buf, sizeof buf);
            }
            printf("%.1f\n", (now() - t0) / count * 1e6);
        } else {
            for (long i = 0; i < count; ++i) writeAll(sv[0], msg, size + 1);
            readLines(sv[0], 1, buf, sizeof buf);
            printf("%.0f\n", count / (now() - t0));
        }
        close(sv[0]);
        waitpid(pid, NULL, 0);
    } else {
        fprintf(stderr, "floor: unknown mode '%s'\n", mode);
        return 2;
    }
    return 0;
}
