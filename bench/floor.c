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
 *   floor echo-child                 (internal) the IPC peer
 * Prints one line: the number(s). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
