// SPDX-License-Identifier: MIT
// Which backend creates a process: the fastest that honours the options.

#include <cstdlib>
#include <string>
#include <string_view>

#include "childproc/error.hpp"
#include "launch/fd_table.hpp"
#include "launch/inherited_channel.hpp"
#include "launch/launcher.hpp"
#include "launch/launchers.hpp"

namespace childproc::detail {

namespace {
// CHILDPROC_BACKEND=uv|posix_spawn overrides Backend::automatic for the whole
// process: to compare backends, or to run a test suite against each.
Backend environmentDefault() {
    static const Backend b = [] {
        const char* v = std::getenv("CHILDPROC_BACKEND");
        std::string_view s = v ? v : "";
        if (s == "uv" || s == "uv_spawn") return Backend::uv;
        if (s == "posix_spawn") return Backend::posixSpawn;
        return Backend::automatic;
    }();
    return b;
}

// The first option that only a pidfd backend can honour, for the refusal's message.
const char* pidfdOnlyOption(const LaunchSpec& spec) {
    if (spec.killWithParent) return "killWithParent";
    if (!spec.limits.empty()) return "limits";
    if (spec.nice) return "nice";
    if (spec.noNewPrivileges) return "noNewPrivileges";
    return "controllingTerminal";
}

}  // namespace

Launcher& launcherFor(Backend wanted, const LaunchSpec& spec) {
    inheritedChannel();  // a channel given to us is never given on (normally taken before main)
    // uv_spawn has no hook to run prctl, setrlimit, setpgid or a terminal's open in
    // the child; posix_spawn cannot change uid/gid or run code in the child; the
    // vfork backend does all of these.
    const bool ids = spec.uid || spec.gid;
    const bool fastPathCan = pidfdSupported() && !ids;
    if (spec.needsChildCode() || spec.terminal) {
        if (!pidfdSupported() || wanted == Backend::uv)
            throw Error(std::string(pidfdOnlyOption(spec)) + " needs the posix_spawn backend (Linux 5.3+)",
                        "ERR_INVALID_ARG_VALUE", "TypeError");
        return spec.needsChildCode() || ids ? vforkLauncher() : posixSpawnLauncher();
    }
    if (spec.processGroup) {  // the environment's choice yields
        if (!fastPathCan || wanted == Backend::uv)
            throw Error("processGroup needs the posix_spawn backend (Linux 5.3+), without uid/gid",
                        "ERR_INVALID_ARG_VALUE", "TypeError");
        return posixSpawnLauncher();
    }
    // A parent holding thousands of fds (a supervisor of thousands of children):
    // posix_spawn's child gets a copy of every one and its closefrom closes each while
    // we wait (bench/results.md: 10 000 children alive, 5 ms a spawn); the vfork
    // backend's child copies only the few it needs (vfork_launcher.cpp), and the cost
    // of a spawn stays what it is with none alive. CHILDPROC_BACKEND=uv still means uv.
    if (wanted == Backend::automatic && environmentDefault() != Backend::uv && fastPathCan && holdsManyFds())
        return vforkLauncher();
    if (wanted == Backend::automatic) wanted = environmentDefault();
    switch (wanted) {
    case Backend::uv: return uvLauncher();
    case Backend::posixSpawn:
        if (fastPathCan) return posixSpawnLauncher();
        if (spec.uid || spec.gid) return uvLauncher();  // the environment's choice yields to uid/gid
        throw Error("The posix_spawn backend needs pidfd_open (Linux 5.3+)", "ERR_INVALID_ARG_VALUE", "TypeError");
    case Backend::automatic: break;
    }
    return fastPathCan ? posixSpawnLauncher() : uvLauncher();
}

}  // namespace childproc::detail

#if !defined(__linux__)
namespace childproc::detail {
// Elsewhere only the uv backend exists: pidfdSupported() is false, so the others
// are never chosen.
bool pidfdSupported() { return false; }
Launcher& posixSpawnLauncher() { return uvLauncher(); }
Launcher& vforkLauncher() { return uvLauncher(); }
}  // namespace childproc::detail
#endif
