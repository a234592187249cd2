// SPDX-License-Identifier: MIT
#pragma once
// Node's EventEmitter, per event: several listeners called in the order they were
// added; once-listeners; removal by the Subscription that adding returned. Every
// object releases its listeners after its last event, so a listener may capture
// the object's own shared_ptr without keeping it alive forever.

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace childproc {

// How long a listener stays: Node's on() (every event) or once() (the next one).
enum class Listen { on, once };
inline constexpr Listen once = Listen::once;

namespace detail {
class ListenerList {
public:
    virtual ~ListenerList() = default;
    virtual void off(std::uint64_t id) noexcept = 0;
};
}  // namespace detail

// What every on*() returns: off() removes that listener (Node's emitter.off). It
// does not own the emitter and may outlive it; off() after the emitter is gone,
// or twice, does nothing.
class Subscription {
public:
    Subscription() = default;
    Subscription(std::weak_ptr<detail::ListenerList> list, std::uint64_t id) : list_(std::move(list)), id_(id) {}
    void off() noexcept {
        if (auto l = list_.lock()) l->off(id_);
        list_.reset();
    }

private:
    std::weak_ptr<detail::ListenerList> list_;
    std::uint64_t id_ = 0;
};

// A Subscription that removes its listener when it goes out of scope.
class ScopedSubscription {
public:
    ScopedSubscription() = default;
    ScopedSubscription(Subscription s) : s_(std::move(s)) {}  // NOLINT: made from any on*() result
    ScopedSubscription(ScopedSubscription&& o) noexcept : s_(std::exchange(o.s_, {})) {}
    ScopedSubscription& operator=(ScopedSubscription&& o) noexcept {
        if (this != &o) {
            s_.off();
            s_ = std::exchange(o.s_, {});
        }
        return *this;
    }
    ScopedSubscription(const ScopedSubscription&) = delete;
    ScopedSubscription& operator=(const ScopedSubscription&) = delete;
    ~ScopedSubscription() { s_.off(); }
    void off() noexcept { s_.off(); }
    Subscription release() noexcept { return std::exchange(s_, {}); }

private:
    Subscription s_;
};

template <class... Args>
class Listeners {
public:
    using Fn = std::function<void(Args...)>;

    Subscription add(Fn fn, Listen how = Listen::on) {
        if (!list_) list_ = std::make_shared<List>();
        const std::uint64_t id = list_->next++;
        list_->slots.push_back(std::make_unique<Slot>(Slot{std::move(fn), id, how == Listen::once, true}));
        ++list_->live;
        return {list_, id};
    }
    // Release every listener (the emitter's last event has been emitted).
    void clear() noexcept {
        if (list_) list_->clearAll();
    }
    // Where the listeners added from now on begin: clear(mark()) later releases
    // only those added before it.
    std::uint64_t mark() const noexcept { return list_ ? list_->next : 1; }
    void clear(std::uint64_t addedBefore) noexcept {
        if (list_) list_->clearAll(addedBefore);
    }
    // Called whenever a listener goes (off, once, clear): the IPC channel's
    // keep-alive depends on whether anyone listens.
    void onRemoved(std::function<void()> fn) {
        if (!list_) list_ = std::make_shared<List>();
        list_->removed = std::move(fn);
    }
    bool empty() const { return !list_ || list_->live == 0; }
    std::size_t size() const { return list_ ? list_->live : 0; }

    // As Node's emit() works on a copy of the listener array: a listener added
    // while we emit runs from the next emit on, and one removed while we emit still
    // hears this event (Node documents both). A removed listener is destroyed only
    // once no emit is running.
    void emit(Args... args) {
        if (empty()) return;
        const std::shared_ptr<List> keep = list_;  // a listener may destroy the emitter
        List& l = *keep;
        const std::size_t n = l.slots.size();
        const std::uint64_t started = ++l.emits;
        ++l.depth;
        struct Leave {
            List& l;
            ~Leave() {
                if (--l.depth == 0) l.sweep();
            }
        } leave{l};
        for (std::size_t i = 0; i < n; ++i) {
            Slot& s = *l.slots[i];
            if (!s.live && s.removedAt < started) continue;
            if (s.once) {
                if (!s.live) continue;
                l.kill(s);  // as Node: removed before it runs
                if (l.removed) l.removed();
            }
            s.fn(args...);
        }
    }

private:
    struct Slot {
        Fn fn;
        std::uint64_t id;
        bool once;
        bool live;
        std::uint64_t removedAt = 0;  // the emit count when it was removed
    };
    struct List final : detail::ListenerList {
        std::vector<std::unique_ptr<Slot>> slots;
        std::uint64_t next = 1;
        std::uint64_t emits = 0;
        std::size_t live = 0;
        int depth = 0;
        bool dead = false;  // some slot awaits removal
        std::function<void()> removed;

        void kill(Slot& s) noexcept {
            s.live = false;
            s.removedAt = emits;
            --live;
            dead = true;
        }
        void off(std::uint64_t id) noexcept override {
            for (auto& s : slots)
                if (s->id == id && s->live) kill(*s);
            if (depth == 0) sweep();
            if (removed) removed();
        }
        void clearAll(std::uint64_t addedBefore = UINT64_MAX) noexcept {
            for (auto& s : slots)
                if (s->live && s->id < addedBefore) kill(*s);
            if (depth == 0) sweep();
            if (removed) removed();
        }
        void sweep() noexcept {
            if (!dead) return;
            dead = false;
            std::erase_if(slots, [](const std::unique_ptr<Slot>& s) { return !s->live; });
        }
    };

    std::shared_ptr<List> list_;
};

}  // namespace childproc
