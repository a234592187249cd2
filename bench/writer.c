// SPDX-License-Identifier: MIT
/* The child every throughput benchmark runs: writes N bytes to stdout in 64 KiB
 * writes, so each competitor reads the same stream. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    long long left = argc > 1 ? atoll(argv[1]) : 0;
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    while (left > 0) {
        ssize_t n = write(1, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
        if (n <= 0) return 1;
        left -= n;
    }
    return 0;
}
