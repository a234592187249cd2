// SPDX-License-Identifier: MIT
#include "spawn/normalize.hpp"

#include <algorithm>

#include "childproc/error.hpp"
#include "childproc/stream.hpp"
#include "ipc/codec.hpp"

extern char** environ;

namespace childproc::detail {

namespace {

// Node shows the value with NULs escaped: 'a\x00b'.
std::string shown(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\0') out += "\\x00";
        else out += c;
    }
    return out + "'";
}

Error invalidArg(const std::string& message) { return Error(message, "ERR_INVALID_ARG_VALUE", "TypeError"); }

}  // namespace

void rejectNul(const std::string& s, const std::string& what) {
    if (s.find('\0') != std::string::npos)
        throw invalidArg(what + " must be a string without null bytes. Received " + shown(s));
}

std::vector<std::string> envPairs(const std::optional<Env>& env) {
    std::vector<std::string> out;
    if (env) {
        out.reserve(env->size());
        for (const auto& [k, v] : *env) {
            rejectNul(k, "The property 'options.env['" + k + "']'");
            rejectNul(v, "The property 'options.env['" + k + "']'");
            out.push_back(k + "=" + v);
        }
        return out;
    }
    for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
    return out;
}

std::string commandLine(const std::string& file, const std::vector<std::string>& args) {
    std::string line = file;
    for (const auto& a : args) line += " " + a;
    return line;
}

void validateTimeout(std::chrono::milliseconds timeout) {
    if (timeout.count() < 0)
        throw Error("The value of \"timeout\" is out of range. It must be an unsigned integer. Received " +
                        std::to_string(timeout.count()),
                    "ERR_OUT_OF_RANGE", "RangeError");
}

namespace {

void validateLimits(const SpawnOptions& o) {
    for (const auto& l : o.limits)
        if (l.soft > l.hard)
            throw Error("The limit '" + std::string(resourceName(l.resource)) + "' has a soft value (" +
                            std::to_string(l.soft) + ") above its hard one (" + std::to_string(l.hard) + ")",
                        "ERR_OUT_OF_RANGE", "RangeError");
    if (o.nice && (*o.nice < -20 || *o.nice > 19))
        throw Error("The value of \"options.nice\" is out of range. It must be >= -20 && <= 19. Received " +
                        std::to_string(*o.nice),
                    "ERR_OUT_OF_RANGE", "RangeError");
}

// Every check that throws before a handle exists, in Node's order.
void validateSpawn(const std::string& file, const std::vector<std::string>& args, const SpawnOptions& o) {
    if (file.empty()) throw invalidArg("The argument 'file' cannot be empty. Received ''");
    rejectNul(file, "The argument 'file'");
    for (std::size_t i = 0; i < args.size(); ++i) rejectNul(args[i], "The argument 'args[" + std::to_string(i) + "]'");
    if (o.cwd) rejectNul(*o.cwd, "The property 'options.cwd'");
    if (o.argv0) rejectNul(*o.argv0, "The property 'options.argv0'");
    validateTimeout(o.timeout);
    validateLimits(o);
    if (o.processGroup && (*o.processGroup < 0 || o.detached))
        throw invalidArg("The property 'options.processGroup' must be a process group id >= 0, without detached");
    if (o.controllingTerminal) {
        rejectNul(*o.controllingTerminal, "The property 'options.controllingTerminal'");
        if (o.controllingTerminal->empty() || o.processGroup)
            throw invalidArg(
                "The property 'options.controllingTerminal' must be a terminal's path, without processGroup");
    }
}

// The terminal takes fds 0-2, so those slots cannot also be something else.
void planTerminal(SpawnPlan& plan, const SpawnOptions& o) {
    for (std::size_t i = 0; i < 3; ++i)
        if (plan.spec.stdio[i].kind != StdioPlan::Kind::ignore)
            throw invalidArg("The property 'options.stdio[" + std::to_string(i) +
                             "]' must be 'ignore' with options.controllingTerminal");
    plan.spec.terminal = o.controllingTerminal;
    plan.spec.detached = true;  // the session the terminal belongs to
}

// The program and its argv: with a shell, `shell -c "file args..."` (joined unquoted, as Node does).
void planCommand(LaunchSpec& spec, const std::string& file, const std::vector<std::string>& args,
                 const SpawnOptions& o) {
    std::string shell;
    if (const auto* b = std::get_if<bool>(&o.shell)) {
        if (*b) shell = "/bin/sh";
    } else {
        shell = std::get<std::string>(o.shell);
        rejectNul(shell, "The property 'options.shell'");
    }
    spec.file = shell.empty() ? file : shell;
    spec.args = shell.empty() ? args : std::vector<std::string>{"-c", commandLine(file, args)};
    spec.args.insert(spec.args.begin(), o.argv0 ? *o.argv0 : spec.file);
}

// One stdio slot as the launcher sees it; `type` becomes the slot's normalised type.
StdioPlan planSlot(const Stdio& slot, std::size_t i, StdioType& type, SpawnPlan& plan) {
    StdioPlan p;
    switch (type) {
    case StdioType::pipe:
    case StdioType::overlapped: p.kind = StdioPlan::Kind::pipe; break;
    case StdioType::ignore: p.kind = StdioPlan::Kind::ignore; break;
    case StdioType::inherit:
        p.kind = StdioPlan::Kind::inherit;
        p.fd = static_cast<int>(i);
        break;
    case StdioType::fd:
        // Node treats a negative number as 'pipe'.
        p.kind = slot.fd < 0 ? StdioPlan::Kind::pipe : StdioPlan::Kind::inherit;
        if (slot.fd < 0) type = StdioType::pipe;
        else p.fd = slot.fd;
        break;
    case StdioType::stream: {
        uv_os_fd_t fd = -1;
        if (!slot.stream || slot.stream->destroyed() ||
            uv_fileno(reinterpret_cast<uv_handle_t*>(slot.stream->handle()), &fd) != 0)
            throw invalidArg("The argument 'stdio' is invalid. Received a closed Stream at stdio[" + std::to_string(i) +
                             "]");
        p.kind = StdioPlan::Kind::inherit;
        p.fd = fd;
        plan.handedOver.push_back(slot.stream);
        break;
    }
    case StdioType::ipc:
        p.kind = StdioPlan::Kind::pipe;  // the launcher opens it; the Channel owns it
        plan.ipcIndex = static_cast<int>(i);
        break;
    }
    return p;
}

// Node's getValidStdio: at least three slots, at most one IPC channel.
void planStdio(SpawnPlan& plan, const StdioOption& stdio) {
    auto slots = stdio.slots();
    while (slots.size() < 3) slots.emplace_back(StdioType::pipe);
    if (std::count_if(slots.begin(), slots.end(), [](const Stdio& s) { return s.type == StdioType::ipc; }) > 1)
        throw Error("Child process can have only one IPC pipe", "ERR_IPC_ONE_PIPE");
    for (std::size_t i = 0; i < slots.size(); ++i) {
        StdioType type = slots[i].type;
        plan.spec.stdio.push_back(planSlot(slots[i], i, type, plan));
        plan.slotTypes.push_back(type);
    }
}

// The channel's fd and format, told to the child through its environment.
void planIpc(SpawnPlan& plan, const SpawnOptions& o) {
    requireSupported(o.serialization);  // the IPC room decides what is spoken
    if (o.maxMessageSize == 0) throw invalidArg("The property 'options.maxMessageSize' must be at least 1 byte");
    // Node appends these after the user's pairs and keeps duplicates; we replace them.
    auto& env = plan.spec.env;
    std::erase_if(env, [](const std::string& kv) {
        return kv.rfind("NODE_CHANNEL_FD=", 0) == 0 || kv.rfind("NODE_CHANNEL_SERIALIZATION_MODE=", 0) == 0;
    });
    env.push_back("NODE_CHANNEL_FD=" + std::to_string(plan.ipcIndex));
    env.push_back(std::string("NODE_CHANNEL_SERIALIZATION_MODE=") + serializationName(o.serialization));
    plan.serialization = o.serialization;
    plan.maxMessageSize = o.maxMessageSize;
}

}  // namespace

SpawnPlan normalizeSpawn(const std::string& file, const std::vector<std::string>& args, const SpawnOptions& o) {
    validateSpawn(file, args, o);
    SpawnPlan plan;
    LaunchSpec& spec = plan.spec;
    planCommand(spec, file, args, o);
    spec.env = envPairs(o.env);
    if (o.cwd && !o.cwd->empty()) spec.cwd = o.cwd;  // Node's process_wrap passes no cwd for ''
    spec.detached = o.detached;
    spec.processGroup = o.processGroup;
    spec.killWithParent = o.killWithParent;
    spec.limits = o.limits;
    spec.nice = o.nice;
    spec.noNewPrivileges = o.noNewPrivileges;
    spec.uid = o.uid;
    spec.gid = o.gid;
    planStdio(plan, o.stdio);
    if (o.controllingTerminal) planTerminal(plan, o);
    if (plan.ipcIndex >= 0) planIpc(plan, o);
    plan.loop = o.loop;
    plan.backend = o.backend;
    plan.timeout = o.timeout;
    plan.forceKillAfter = o.forceKillAfter;
    plan.killSignal = o.killSignal;
    plan.signal = o.signal;
    return plan;
}

}  // namespace childproc::detail
