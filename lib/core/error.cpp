// SPDX-License-Identifier: MIT
#include "childproc/error.hpp"

#include <uv.h>

namespace childproc {

std::string errorName(int uvErr) { return uv_err_name(uvErr); }

Error systemError(int uvErr, std::string syscall) {
    std::string code = errorName(uvErr);
    Error e(syscall + " " + code, code);
    e.errnum = uvErr;
    e.syscall = std::move(syscall);
    return e;
}

}  // namespace childproc
