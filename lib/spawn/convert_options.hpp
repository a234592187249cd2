// SPDX-License-Identifier: MIT
#pragma once
// One converter between the option structs (ExecOptions, SpawnSyncOptions,
// ForkOptions, PipelineOptions, cluster::Settings → SpawnOptions or ForkOptions):
// every field the two share by name and type is copied; a field only the target
// has keeps its default, and the caller sets what differs (stdio shapes, a
// timeout it handles itself).

namespace childproc::detail {

template <class To, class From>
To convertOptions(const From& f) {
    To t;
    if constexpr (requires { t.cwd = f.cwd; }) t.cwd = f.cwd;
    if constexpr (requires { t.env = f.env; }) t.env = f.env;
    if constexpr (requires { t.argv0 = f.argv0; }) t.argv0 = f.argv0;
    if constexpr (requires { t.stdio = f.stdio; }) t.stdio = f.stdio;
    if constexpr (requires { t.detached = f.detached; }) t.detached = f.detached;
    if constexpr (requires { t.uid = f.uid; }) t.uid = f.uid;
    if constexpr (requires { t.gid = f.gid; }) t.gid = f.gid;
    if constexpr (requires { t.shell = f.shell; }) t.shell = f.shell;
    if constexpr (requires { t.timeout = f.timeout; }) t.timeout = f.timeout;
    if constexpr (requires { t.killSignal = f.killSignal; }) t.killSignal = f.killSignal;
    if constexpr (requires { t.signal = f.signal; }) t.signal = f.signal;
    if constexpr (requires { t.windowsHide = f.windowsHide; }) t.windowsHide = f.windowsHide;
    if constexpr (requires { t.serialization = f.serialization; }) t.serialization = f.serialization;
    if constexpr (requires { t.maxMessageSize = f.maxMessageSize; }) t.maxMessageSize = f.maxMessageSize;
    if constexpr (requires { t.forceKillAfter = f.forceKillAfter; }) t.forceKillAfter = f.forceKillAfter;
    if constexpr (requires { t.killWithParent = f.killWithParent; }) t.killWithParent = f.killWithParent;
    if constexpr (requires { t.limits = f.limits; }) t.limits = f.limits;
    if constexpr (requires { t.nice = f.nice; }) t.nice = f.nice;
    if constexpr (requires { t.noNewPrivileges = f.noNewPrivileges; }) t.noNewPrivileges = f.noNewPrivileges;
    if constexpr (requires { t.execPath = f.execPath; }) t.execPath = f.execPath;
    if constexpr (requires { t.loop = f.loop; }) t.loop = f.loop;
    if constexpr (requires { t.backend = f.backend; }) t.backend = f.backend;
    return t;
}

}  // namespace childproc::detail
