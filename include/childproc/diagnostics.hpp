// SPDX-License-Identifier: MIT
#pragma once
// Node's diagnostics_channel for childproc: subscribe once and see every event of
// every child, stdio stream, IPC channel, pipeline and cluster worker, with
// monotonic timestamps. Nothing is paid while nobody subscribes: a publisher
// tests one atomic word before it builds an event.
//
//   auto id = diagnostics::subscribe("childproc:process", [](const diagnostics::Event& e) { ... });
//   diagnostics::unsubscribe(id);
//
// Subscribers run synchronously on the thread of the loop where the event
// happened, as Node's do; the event's views are valid during the call only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "childproc/export.hpp"

namespace childproc {

class ChildProcess;

namespace diagnostics {

// The channels, and what each publishes (Event's fields in brackets).
enum class Channel : std::uint8_t {
    process,   // "childproc:process"
    stdio,     // "childproc:stdio"
    ipc,       // "childproc:ipc"
    pipeline,  // "childproc:pipeline"
    cluster,   // "childproc:cluster"
};
inline constexpr int kChannels = 5;

enum class Kind : std::uint8_t {
    // childproc:process
    spawn,   // started [pid, name: backend, text: file, argv, cwd]
    error,   // its 'error' [name: code, text: message]
    signal,  // we sent a signal [number, name, ok: delivered]
    exit,    // 'exit' [code, name: signal or ""]
    close,   // 'close' [code, name as for exit]
    // childproc:stdio
    open,    // a slot set up [fd, name: pipe, inherit, ignore, fd, ipc, stream]
    read,    // bytes came from the child [fd, bytes, data]
    write,   // bytes went to the child [fd, bytes]
    end,     // the child's end of a readable slot closed [fd]
    closed,  // our end closed [fd, bytes: read, written]
    // childproc:ipc
    send,        // a message went out [bytes, data: its wire bytes, name: handle type or "", ok: internal]
    message,     // a message came in [bytes, data, ok: internal]
    disconnect,  // the channel closed
    // childproc:pipeline
    stage,  // a stage started [number: its index, peer: the first stage]
    pipe,   // a pipe joins two stages [peer: the reader]
    // childproc:cluster; each about a worker [number: its id, process, pid]
    fork,
    online,
    listening,   // [text: its address]
    connection,  // the primary handed it a connection (round-robin scheduling)
    workerDisconnect,
    workerExit,  // [code, name: signal or ""]
    restart,     // a supervisor forked it to replace a dead one [peer: the dead one's process]
    reload,      // a rolling reload [name: "start" or "end"; no worker]
    stop,        // a graceful stop: cluster.disconnect() began [no worker]
};

std::string_view CHILDPROC_EXPORT channelName(Channel c);
std::string_view CHILDPROC_EXPORT kindName(Kind k);
// The kinds are listed channel by channel, so this is a comparison or four.
constexpr Channel channelOf(Kind k) noexcept {
    if (k < Kind::open) return Channel::process;
    if (k < Kind::send) return Channel::stdio;
    if (k < Kind::stage) return Channel::ipc;
    if (k < Kind::fork) return Channel::pipeline;
    return Channel::cluster;
}

struct Event {
    Kind kind{};
    std::chrono::steady_clock::time_point time{};
    // The ChildProcess's diagnostics id (ChildProcess::diagnosticsId(), from 1), or 0:
    // this process (a forked child's channel to its parent, the cluster primary).
    std::uint64_t process = 0;
    const ChildProcess* child = nullptr;  // as Node's {process}; null where there is none
    std::optional<int> pid;
    int fd = -1;
    std::uint64_t bytes = 0;
    std::uint64_t written = 0;
    std::uint64_t peer = 0;
    int number = 0;
    std::optional<int> code;
    bool ok = true;
    std::string_view name;
    std::string_view text;
    std::string_view data;
    std::span<const std::string> argv;
    std::string_view cwd;
};

using Subscriber = std::function<void(const Event&)>;
using SubscriptionId = std::uint64_t;

// Node: diagnostics_channel.subscribe(name, fn). Unknown names are refused
// (ERR_INVALID_ARG_VALUE); "childproc" subscribes to every channel.
SubscriptionId CHILDPROC_EXPORT subscribe(std::string_view name, Subscriber fn);
SubscriptionId CHILDPROC_EXPORT subscribe(Channel channel, Subscriber fn);
// Node: diagnostics_channel.unsubscribe(). False when `id` was not subscribed.
bool CHILDPROC_EXPORT unsubscribe(SubscriptionId id);
// Node: diagnostics_channel.hasSubscribers(name).
bool CHILDPROC_EXPORT hasSubscribers(std::string_view name);

namespace detail {
// Bit c set while channel c has a subscriber.
extern CHILDPROC_EXPORT std::atomic<unsigned> subscribedChannels;
void CHILDPROC_EXPORT publish(Event& e);
// The next object id: 1, 2, …
std::uint64_t CHILDPROC_EXPORT nextId() noexcept;
}  // namespace detail

inline bool hasSubscribers(Channel c) noexcept {
    return (detail::subscribedChannels.load(std::memory_order_relaxed) & (1u << static_cast<unsigned>(c))) != 0;
}
inline bool hasSubscribers(Kind k) noexcept { return hasSubscribers(channelOf(k)); }

// For publishers: `fill` sets the event's fields, and runs only when someone listens.
template <class Fill>
inline void publish(Kind k, Fill&& fill) {
    if (!hasSubscribers(k)) return;
    Event e;
    e.kind = k;
    fill(e);
    detail::publish(e);
}

}  // namespace diagnostics
}  // namespace childproc
