// SPDX-License-Identifier: MIT
#pragma once
// A libuv timer owned like a value. The uv handle lives on the heap until libuv's
// close callback frees it, so a Timer may go at any moment (from its own callback,
// from its owner's destructor) and its callback never runs after that. The
// callback runs guarded: a throw is kept for run(), never unwound through libuv.

#include <chrono>
#include <functional>
#include <utility>

#include <uv.h>

namespace childproc::detail {

class Timer {
public:
    Timer() = default;
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    Timer(Timer&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Timer& operator=(Timer&& other) noexcept;
    ~Timer() { close(); }

    // Call fn once, `delay` from now; a timer already started is closed first.
    void start(uv_loop_t* loop, std::chrono::milliseconds delay, std::function<void()> fn);
    // Cancel: fn will not run. The handle is freed once libuv has closed it.
    void close() noexcept;
    // Let the loop end while this timer is pending (a watchdog, not work).
    void unref() noexcept;
    bool started() const { return handle_ != nullptr; }  // and not closed (it may have fired)

private:
    struct Handle;
    Handle* handle_ = nullptr;
};

}  // namespace childproc::detail
