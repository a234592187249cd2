// SPDX-License-Identifier: MIT
#include "launch/program_path.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

namespace childproc::detail {

namespace {

bool isExecutableFile(const std::string& path, int& err) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        err = errno;
        return false;
    }
    if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
        err = EACCES;
        return false;
    }
    return true;
}

}  // namespace

int resolveProgram(const LaunchSpec& spec, std::string& out) {
    if (spec.file.find('/') != std::string::npos) {
        out = spec.file;
        return 0;
    }
    std::string path = "/usr/local/bin:/bin:/usr/bin";  // libuv's default when PATH is unset
    for (const auto& kv : spec.env)
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    int firstErr = ENOENT;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + spec.file;
        int err = 0;
        if (isExecutableFile(candidate, err)) {
            out = candidate;
            return 0;
        }
        if (err == EACCES) firstErr = EACCES;  // execvp reports EACCES if any candidate had it
        start = end + 1;
    }
    return -firstErr;
}

}  // namespace childproc::detail
