// SPDX-License-Identifier: MIT
#pragma once
// Node's ChildProcess: events spawn, error, exit, close; pid, exitCode,
// signalCode, killed, spawnfile, spawnargs; kill(), ref(), unref(); stdio pipes.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/options.hpp"
#include "childproc/promise.hpp"
#include "childproc/signals.hpp"
#include "childproc/stream.hpp"

namespace childproc {

namespace detail {
class Channel;
class TickQueue;
class ProcessHandle;
class Timer;
struct ChildAccess;
struct SpawnPlan;
}  // namespace detail

// What 'exit' and 'close' carry.
struct ExitStatus {
    std::optional<int> code;
    std::optional<std::string> signal;
    bool operator==(const ExitStatus&) const = default;
};

class CHILDPROC_EXPORT ChildProcess : public std::enable_shared_from_this<ChildProcess> {
public:
    // code is set on a normal exit, signal (a name such as "SIGTERM") when killed;
    // after a failed spawn, 'close' carries the negative errno as code.
    using ExitListener = std::function<void(std::optional<int> code, std::optional<std::string> signal)>;

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    Subscription onSpawn(std::function<void()> fn, Listen how = Listen::on);
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
    Subscription onExit(ExitListener fn, Listen how = Listen::on);
    Subscription onClose(ExitListener fn, Listen how = Listen::on);
    // `await once(child, 'close')`: the code and signal once 'close' has come (at
    // once if it has); throws the 'error' that comes first, as events.once rejects.
    Promise<ExitStatus> closed();

    std::optional<int> pid() const { return pid_; }
    std::optional<int> exitCode() const { return exitCode_; }
    std::optional<std::string> signalCode() const { return signalCode_; }
    bool killed() const { return killed_; }
    const std::string& spawnfile() const { return spawnfile_; }
    const std::vector<std::string>& spawnargs() const { return spawnargs_; }
    // Beyond Node: what the child used (resources.hpp), from 'exit' on; nullopt
    // before, and always with Backend::uv (libuv's waitpid discards the rusage).
    std::optional<ResourceUsage> resourceUsage() const { return resourceUsage_; }

    // Node's kill(): true when the signal was delivered; false when the process is
    // gone. Unknown names throw ERR_UNKNOWN_SIGNAL (from Signal).
    bool kill(Signal sig = SIGTERM);
    // Beyond Node: signal the whole process group of a detached child (kill(-pid)),
    // or the group given as processGroup, grandchildren included. Throws
    // ERR_CHILD_NOT_DETACHED for a child in our own group; false once the child has
    // been reaped (while it is not, its group id cannot be reused).
    bool killProcessGroup(Signal sig = SIGTERM);
    void ref();
    void unref();

    // child.stdin / child.stdout / child.stderr (those names are C macros).
    Stream* stdinPipe() { return stdio(0); }
    Stream* stdoutPipe() { return stdio(1); }
    Stream* stderrPipe() { return stdio(2); }
    // child.stdio[i]: the pipe at fd i, or nullptr when that slot is not a pipe.
    Stream* stdio(std::size_t fd);
    std::size_t stdioCount() const { return stdio_.size(); }

    // --- IPC: a child from fork(), or with StdioType::ipc in its stdio ---
    // Node's child.send(message[, handle][, callback]) → false once the write queue is
    // past Node's hint; errors (ERR_IPC_CHANNEL_CLOSED, write errors) go to the
    // callback, or to 'error' without one.
    bool send(const nlohmann::json& message, SendCallback cb = {});
    bool send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb = {});
    // send() of a Value: whole with serialization 'advanced' (a Buffer, Date, Map,
    // cycle, … as Node's peer sees it), as JSON.stringify would make it with 'json'.
    bool sendValue(const Value& message, SendCallback cb = {});
    bool sendValue(const Value& message, const SendHandle& handle, SendCallback cb = {});
    // Messages that arrive before the first listener are kept and replayed to it.
    Subscription onMessage(MessageListener fn, Listen how = Listen::on);
    // The same 'message' event with the message whole, as a Value.
    Subscription onMessageValue(ValueMessageListener fn, Listen how = Listen::on);
    Subscription onDisconnect(std::function<void()> fn, Listen how = Listen::on);
    // `await once(child, 'message')`: the next message and its handle
    // (childproc/incoming_message.hpp). Messages that came while nobody listened
    // are kept, so a loop of co_await nextMessage() misses none. Throws
    // ERR_IPC_CHANNEL_CLOSED when the channel closes first.
    Promise<IncomingMessage> nextMessage();
    // `await util.promisify(child.send)(message)`: settled when the message is written.
    Promise<void> sendAsync(const nlohmann::json& message);
    Promise<void> sendAsync(const nlohmann::json& message, const SendHandle& handle);
    // Close the channel; a second call is an 'error' (ERR_IPC_DISCONNECTED).
    void disconnect();
    bool connected() const;
    // child.channel: ref(), unref(), fd; nullptr without IPC.
    ChannelControl* channel();

    uv_loop_t* loop() const { return loop_; }
    // This child's id on the diagnostics channels (childproc/diagnostics.hpp): 1, 2, …
    // in the order children are made, never reused, unlike a pid.
    std::uint64_t diagnosticsId() const { return diagnosticsId_; }
    // Which launcher created the process ("uv_spawn" or "posix_spawn"); empty before spawn.
    const char* backend() const;

private:
    friend struct detail::ChildAccess;
    explicit ChildProcess(uv_loop_t* loop);

    // Creation, in order (lib/child/child_start.cpp).
    void start(detail::SpawnPlan& plan);
    void openStdio(detail::SpawnPlan& plan);
    void openChannel(detail::SpawnPlan& plan);
    int launch(detail::SpawnPlan& plan);
    void failLaunch(int err, const detail::SpawnPlan& plan);
    void armTimeout(std::chrono::milliseconds timeout);
    void armAbort(const std::stop_token& signal);

    // 'close' waits for the exit and for every handle that counts for it (the
    // output pipes and the channel); the object lives until every handle is closed.
    void openHandle(bool countsForClose);
    void handleDone(bool countsForClose);
    bool send(const nlohmann::json& message, const SendHandle* handle, SendCallback cb);
    bool noChannel(SendCallback cb);
    void onProcessExit(std::int64_t status, int termSignal);
    void onAbort();
    void maybeClose();
    // The event listeners added before each mark (all of them by default).
    using ListenerMarks = std::array<std::uint64_t, 4>;  // spawn, error, exit, close
    void releaseListeners(ListenerMarks addedBefore = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX});
    void handleClosed();
    void maybeFinish();
    void closeHandle(uv_handle_t* h);
    bool isRunning() const;
    void armForceKill(int signum);
    // 'error', told to the diagnostics channel first.
    void fail(const Error& e);
    void publishSpawn(const detail::SpawnPlan& plan);
    void publishEnd(bool exit);

    uv_loop_t* loop_;
    std::uint64_t diagnosticsId_;
    std::unique_ptr<detail::TickQueue> ticks_;
    std::unique_ptr<detail::ProcessHandle> process_;
    std::vector<std::unique_ptr<Stream>> stdio_;  // nullptr for non-pipe slots
    std::unique_ptr<detail::Channel> channel_;
    std::shared_ptr<ChildProcess> self_;  // alive while any handle is open

    std::optional<int> pid_;
    std::optional<int> exitCode_;
    std::optional<std::string> signalCode_;
    std::optional<ResourceUsage> resourceUsage_;
    bool killed_ = false;
    bool exited_ = false;
    bool closeEmitted_ = false;
    bool finishing_ = false;
    int closesNeeded_ = 1;  // the exit, plus one per handle that counts
    int closesGot_ = 0;
    int openHandles_ = 0;
    std::string spawnfile_;
    std::vector<std::string> spawnargs_;
    Signal killSignal_ = SIGTERM;

    std::unique_ptr<detail::Timer> timeout_;
    std::unique_ptr<detail::Timer> forceKill_;
    std::chrono::milliseconds forceKillAfter_{0};
    bool detached_ = false;
    std::optional<int> processGroup_;  // as asked: 0 is the child's own pid
    std::unique_ptr<uv_async_t> abortAsync_;
    std::unique_ptr<std::stop_callback<std::function<void()>>> abortCallback_;

    Listeners<> spawn_;
    Listeners<const Error&> error_;
    Listeners<std::optional<int>, std::optional<std::string>> exit_, close_;
};

using ChildProcessPtr = std::shared_ptr<ChildProcess>;

}  // namespace childproc
