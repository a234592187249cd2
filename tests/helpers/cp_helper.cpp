// SPDX-License-Identifier: MIT
// The child the tests run. Commands run in order, each taking its arguments:
//   cp_helper out 5 hello exit 3   → writes "hello" 5 times to stdout, exits 3.
// Kept to plain POSIX so that what a test sees is what the kernel did.

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern char** environ;

namespace {

void writeAll(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            std::exit(120);
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void say(int fd, const std::string& s) { writeAll(fd, s.data(), s.size()); }

// Write n bytes of a repeating pattern (so corruption shows), in 64 KiB chunks.
void spew(int fd, long long n) {
    static char buf[65536];
    for (std::size_t i = 0; i < sizeof buf; ++i) buf[i] = static_cast<char>('a' + i % 26);
    while (n > 0) {
        auto k =
            static_cast<std::size_t>(n < static_cast<long long>(sizeof buf) ? n : static_cast<long long>(sizeof buf));
        writeAll(fd, buf, k);
        n -= static_cast<long long>(k);
    }
}

void usage() {
    say(2,
        "usage: cp_helper CMD [ARGS] [CMD [ARGS]]...\n"
        "  echo                 copy stdin to stdout until EOF\n"
        "  count                read stdin to EOF, print the byte count\n"
        "  out N TEXT           print TEXT N times to stdout\n"
        "  err N TEXT           print TEXT N times to stderr\n"
        "  fdout FD TEXT        print TEXT to fd FD\n"
        "  spew FD BYTES        write BYTES pattern bytes to fd FD\n"
        "  mix BYTES            interleave: 64 KiB to stdout, 64 KiB to stderr, read 64 KiB of\n"
        "                       stdin, until BYTES went to each; then print the stdin count on stdout\n"
        "  argv                 print each argv entry on a line\n"
        "  env NAME             print $NAME or <unset>\n"
        "  cwd                  print the working directory\n"
        "  ids                  print 'pid ppid pgid sid uid gid'\n"
        "  fds                  print the open fds, one per line\n"
        "  isdevnull FD         print yes/no: is FD /dev/null\n"
        "  sleep MS             sleep\n"
        "  ignore SIG           ignore a signal\n"
        "  closein              close stdin\n"
        "  raise SIG            kill ourselves with SIG\n"
        "  exit N               exit with N\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage();
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        std::string_view cmd = argv[i];
        auto arg = [&](int k) -> const char* {
            if (i + k >= argc) {
                usage();
                std::exit(2);
            }
            return argv[i + k];
        };
        if (cmd == "echo") {
            char buf[65536];
            ssize_t n;
            while ((n = ::read(0, buf, sizeof buf)) > 0) writeAll(1, buf, static_cast<std::size_t>(n));
        } else if (cmd == "count") {
            char buf[65536];
            long long total = 0;
            ssize_t n;
            while ((n = ::read(0, buf, sizeof buf)) > 0) total += n;
            say(1, std::to_string(total) + "\n");
        } else if (cmd == "out" || cmd == "err") {
            int fd = cmd == "out" ? 1 : 2;
            long n = std::atol(arg(1));
            std::string text = arg(2);
            for (long k = 0; k < n; ++k) say(fd, text);
            i += 2;
        } else if (cmd == "fdout") {
            say(std::atoi(arg(1)), arg(2));
            i += 2;
        } else if (cmd == "spew") {
            spew(std::atoi(arg(1)), std::atoll(arg(2)));
            i += 2;
        } else if (cmd == "mix") {
            // Blocks on each stream in turn: only a parent that services all three
            // at once lets this finish.
            long long left = std::atoll(arg(1)), in = 0;
            bool inOpen = true;
            static char buf[65536];
            while (left > 0 || inOpen) {
                if (left > 0) {
                    long long k = left < 65536 ? left : 65536;
                    spew(1, k);
                    spew(2, k);
                    left -= k;
                }
                if (inOpen) {
                    ssize_t n = ::read(0, buf, sizeof buf);
                    if (n <= 0) inOpen = false;
                    else in += n;
                }
            }
            say(1, "\nin=" + std::to_string(in) + "\n");
            i += 1;
        } else if (cmd == "argv") {
            for (int k = 0; k < argc; ++k) say(1, std::string(argv[k]) + "\n");
        } else if (cmd == "env") {
            const char* v = std::getenv(arg(1));
            say(1, (v ? std::string(v) : std::string("<unset>")) + "\n");
            i += 1;
        } else if (cmd == "cwd") {
            char buf[4096];
            say(1, std::string(getcwd(buf, sizeof buf) ? buf : "?") + "\n");
        } else if (cmd == "ids") {
            say(1, std::to_string(getpid()) + " " + std::to_string(getppid()) + " " + std::to_string(getpgrp()) + " " +
                       std::to_string(getsid(0)) + " " + std::to_string(getuid()) + " " + std::to_string(getgid()) +
                       "\n");
        } else if (cmd == "fds") {
            DIR* d = opendir("/proc/self/fd");
            int self = d ? dirfd(d) : -1;
            std::string out;
            while (dirent* e = d ? readdir(d) : nullptr) {
                if (e->d_name[0] == '.' || std::atoi(e->d_name) == self) continue;
                out += std::string(e->d_name) + "\n";
            }
            if (d) closedir(d);
            say(1, out);
        } else if (cmd == "isdevnull") {
            struct stat a {
            }, b{};
            bool yes = fstat(std::atoi(arg(1)), &a) == 0 && stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev &&
                       S_ISCHR(a.st_mode);
            say(1, yes ? "yes\n" : "no\n");
            i += 1;
        } else if (cmd == "sleep") {
            usleep(static_cast<useconds_t>(std::atol(arg(1)) * 1000));
            i += 1;
        } else if (cmd == "ignore") {
            std::signal(std::atoi(arg(1)), SIG_IGN);
            i += 1;
        } else if (cmd == "closein") {
            close(0);
        } else if (cmd == "raise") {
            int sig = std::atoi(arg(1));
            std::signal(sig, SIG_DFL);
            kill(getpid(), sig);
            pause();
        } else if (cmd == "exit") {
            return std::atoi(arg(1));
        } else {
            usage();
            return 2;
        }
    }
    return 0;
}
