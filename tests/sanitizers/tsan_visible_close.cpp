// SPDX-License-Identifier: MIT
// TSan test builds only. Debian's libuv is not built with ThreadSanitizer and
// closes fds with syscall(SYS_close, fd) (uv__close_nocancel), which TSan does
// not intercept. TSan then believes a closed fd is still open, and when another
// thread is handed the same number it reports a race on the old fd. Defining
// syscall() here interposes it for libuv, and routing SYS_close through close()
// lets TSan see the close. Every other call goes to the real syscall().

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cstdarg>

extern "C" long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (long& x : a) x = va_arg(ap, long);  // syscall(2) itself always passes six
    va_end(ap);
    if (number == SYS_close) return ::close(static_cast<int>(a[0]));
    using Real = long (*)(long, ...);
    static const Real real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "syscall"));
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
