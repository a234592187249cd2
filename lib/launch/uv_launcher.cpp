// SPDX-License-Identifier: MIT
// Backend 1: libuv's uv_spawn (fork + exec on Linux with libuv 1.44).

#include <dirent.h>
#include <fcntl.h>
#include <algorithm>
#include <cstdlib>

#include "launch/launchers.hpp"

namespace childproc::detail {

namespace {

// fork+exec gives the child every fd of ours that lacks O_CLOEXEC, and libuv has
// no hook to close them in the child. So before forking, mark every fd of ours
// >= 3 that no stdio slot names close-on-exec. The side effect on the parent is
// documented (README, Gotchas); the posix_spawn backend needs none of this.
void markUnnamedFdsCloexec(const LaunchSpec& spec) {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return;
    const int self = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd < 3 || fd == self) continue;
        bool named = std::any_of(spec.stdio.begin(), spec.stdio.end(),
                                 [fd](const StdioPlan& s) { return s.kind == StdioPlan::Kind::inherit && s.fd == fd; });
        if (named) continue;
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    ::closedir(d);
}

class UvProcess final : public ProcessHandle {
public:
    explicit UvProcess(ExitFn onExit) : onExit_(std::move(onExit)) { proc_.data = this; }

    int pid() const override { return proc_.pid; }
    int kill(int signum) override {
        if (exited_) return UV_ESRCH;  // reaped: the pid may belong to someone else now
        return uv_process_kill(&proc_, signum);
    }
    void ref() override { uv_ref(handle()); }
    void unref() override { uv_unref(handle()); }
    void close(std::function<void()> onClosed) override {
        onClosed_ = std::move(onClosed);
        uv_close(handle(), [](uv_handle_t* h) {
            auto* self = static_cast<UvProcess*>(h->data);
            auto done = std::move(self->onClosed_);
            done();
        });
    }
    const char* backend() const override { return "uv_spawn"; }

    uv_process_t proc_{};
    bool exited_ = false;
    ExitFn onExit_;

private:
    uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&proc_); }
    std::function<void()> onClosed_;
};

class UvLauncher final : public Launcher {
public:
    int launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out) override {
        auto proc = std::make_unique<UvProcess>(std::move(onExit));
        auto argv = cstrings(spec.args);
        auto envp = cstrings(spec.env);

        std::vector<uv_stdio_container_t> stdio(spec.stdio.size());
        for (std::size_t i = 0; i < spec.stdio.size(); ++i) {
            const auto& s = spec.stdio[i];
            switch (s.kind) {
            case StdioPlan::Kind::ignore: stdio[i].flags = UV_IGNORE; break;
            case StdioPlan::Kind::inherit:
                stdio[i].flags = UV_INHERIT_FD;
                stdio[i].data.fd = s.fd;
                break;
            case StdioPlan::Kind::pipe:
                stdio[i].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE | UV_WRITABLE_PIPE);
                stdio[i].data.stream = reinterpret_cast<uv_stream_t*>(s.pipe);
                break;
            }
        }

        uv_process_options_t opts{};
        opts.exit_cb = [](uv_process_t* p, int64_t status, int sig) {
            auto* self = static_cast<UvProcess*>(p->data);
            self->exited_ = true;
            self->onExit_(status, sig);
        };
        opts.file = spec.file.c_str();
        opts.args = argv.data();
        opts.env = envp.data();
        opts.cwd = spec.cwd ? spec.cwd->c_str() : nullptr;
        opts.stdio_count = static_cast<int>(stdio.size());
        opts.stdio = stdio.data();
        unsigned flags = 0;
        if (spec.detached) flags |= UV_PROCESS_DETACHED;
        if (spec.uid) {
            flags |= UV_PROCESS_SETUID;
            opts.uid = *spec.uid;
        }
        if (spec.gid) {
            flags |= UV_PROCESS_SETGID;
            opts.gid = *spec.gid;
        }
        opts.flags = flags;

        markUnnamedFdsCloexec(spec);
        int r = uv_spawn(loop, &proc->proc_, &opts);
        out = std::move(proc);
        return r;
    }
};

}  // namespace

Launcher& uvLauncher() {
    static UvLauncher launcher;
    return launcher;
}

std::vector<char*> cstrings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace childproc::detail
