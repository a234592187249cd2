// SPDX-License-Identifier: MIT
#pragma once
// Beyond Node: systemd's notify protocol (sd_notify(3)), so that a cluster
// primary can be a Type=notify service. Written to the protocol (one datagram
// to $NOTIFY_SOCKET, abstract names included), without libsystemd.

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include <uv.h>

#include "childproc/export.hpp"

namespace childproc::systemd {

// sd_notify(0, state): send "READY=1", "STATUS=...", ... (newline-separated) to
// $NOTIFY_SOCKET. As sd_notify: > 0 when sent, 0 when NOTIFY_SOCKET is unset (not
// run by systemd), a negative errno when the socket could not be reached.
CHILDPROC_EXPORT int notify(std::string_view state);

// sd_watchdog_enabled(): $WATCHDOG_USEC when it is meant for this process
// ($WATCHDOG_PID unset or ours), else nullopt.
CHILDPROC_EXPORT std::optional<std::chrono::microseconds> watchdogInterval();

// A cluster primary as a Type=notify (or notify-reload) service, for as long as
// it lives: READY=1 once every live worker listens; RELOADING=1 with
// MONOTONIC_USEC when a cluster::reload() starts and READY=1 when it ends;
// STOPPING=1 when cluster::disconnect() begins; WATCHDOG=1 every half
// WATCHDOG_USEC while `loop` runs; STATUS= with the workers listening. It learns
// all of this from the childproc:cluster diagnostics channel. Nothing at all when
// NOTIFY_SOCKET is unset. Make it in the primary before the first fork, on the
// loop that runs the cluster.
class CHILDPROC_EXPORT ClusterNotifier {
public:
    explicit ClusterNotifier(uv_loop_t* loop = nullptr);
    ~ClusterNotifier();
    ClusterNotifier(const ClusterNotifier&) = delete;
    ClusterNotifier& operator=(const ClusterNotifier&) = delete;

    bool active() const { return state_ != nullptr; }  // NOTIFY_SOCKET was set

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace childproc::systemd
