// SPDX-License-Identifier: MIT
#pragma once
// Node's Promise and async functions, as C++20 coroutines on the loop, with no
// dependency beyond the standard library.
//
// Promise<T> is both what childproc's awaitable calls return (exec, execFile,
// execPipeline, child->closed(), nextMessage(), sendAsync()) and the return type
// of your own coroutines. As a JavaScript async function, a coroutine returning
// Promise<T> starts at once and runs until its first co_await; it is resumed by
// the loop, on the loop's thread. co_await gives the value or throws what the
// operation or coroutine threw. runUntil(promise) runs the loop until it settles:
//
//   childproc::Promise<int> mainAsync() {
//       auto r = co_await childproc::exec("git rev-parse HEAD");
//       co_return r.stdoutData.empty();
//   }
//   int main() { return childproc::runUntil(mainAsync()); }
//
// A rejection nobody awaited is not lost: when its last Promise goes, it is
// thrown from run(), as Node's unhandled rejections end the process.

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/export.hpp"
#include "childproc/loop.hpp"

namespace childproc {

template <class T>
class Promise;

namespace detail {

// Keep `e` for the run() of the loop running now (the default loop outside one).
CHILDPROC_EXPORT void unhandledRejection(std::exception_ptr e) noexcept;

template <class T>
struct PromiseState {
    using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    std::optional<Stored> value;
    std::exception_ptr error;
    std::vector<std::coroutine_handle<>> waiters;
    int promises = 0;       // Promise objects that share this state
    bool observed = false;  // awaited, or runUntil()'d: its rejection is handled

    PromiseState() = default;
    PromiseState(const PromiseState&) = delete;
    PromiseState& operator=(const PromiseState&) = delete;
    ~PromiseState() {
        if (error && !observed) unhandledRejection(error);
    }
    bool settled() const { return value.has_value() || error; }
    // Store the outcome; wake() resumes the coroutines that await it.
    bool store(Stored v) {
        if (settled()) return false;
        value.emplace(std::move(v));
        return true;
    }
    bool storeError(std::exception_ptr e) {
        if (settled()) return false;
        error = std::move(e);
        return true;
    }
    void wake() {
        for (auto h : std::exchange(waiters, {})) h.resume();
    }
};

template <class T>
struct PromiseReturn {
    std::shared_ptr<PromiseState<T>> state = std::make_shared<PromiseState<T>>();
    void return_value(T v) { state->store(std::move(v)); }
};
template <>
struct PromiseReturn<void> {
    std::shared_ptr<PromiseState<void>> state = std::make_shared<PromiseState<void>>();
    void return_void() { state->store({}); }
};

}  // namespace detail

template <class T = void>
class Promise {
public:
    using State = detail::PromiseState<T>;

    // The coroutine side: eager like an async function, its frame freed when it ends.
    struct promise_type : detail::PromiseReturn<T> {
        Promise get_return_object() { return Promise(this->state); }
        std::suspend_never initial_suspend() noexcept { return {}; }
        auto final_suspend() noexcept {
            struct Final {
                bool await_ready() noexcept { return false; }
                void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
                    auto s = std::move(h.promise().state);
                    h.destroy();
                    s->wake();
                }
                void await_resume() noexcept {}
            };
            return Final{};
        }
        void unhandled_exception() { this->state->storeError(std::current_exception()); }
    };

    // Settles a Promise made by withResolvers(): Node's resolve and reject.
    class Resolver {
    public:
        template <class U = T>
        requires(!std::is_void_v<U>) void resolve(U v) const {
            if (state_->store(std::move(v))) state_->wake();
        }
        void resolve() const requires std::is_void_v<T> {
            if (state_->store({})) state_->wake();
        }
        void reject(std::exception_ptr e) const {
            if (state_->storeError(std::move(e))) state_->wake();
        }
        template <class E>
        void reject(E e) const {
            reject(std::make_exception_ptr(std::move(e)));
        }
        bool settled() const { return state_->settled(); }

    private:
        friend class Promise;
        explicit Resolver(std::shared_ptr<State> s) : state_(std::move(s)) {}
        std::shared_ptr<State> state_;
    };

    // Promise.withResolvers(): a pending Promise and what settles it, for wrapping
    // a callback API.
    static std::pair<Promise, Resolver> withResolvers() {
        auto s = std::make_shared<State>();
        return {Promise(s), Resolver(s)};
    }

    // Copies share the outcome, as JavaScript references to one promise do; a
    // moved-from Promise is empty and may only be destroyed or assigned to.
    Promise(const Promise& o) : state_(o.state_) { ++state_->promises; }
    Promise(Promise&& o) noexcept : state_(std::move(o.state_)) {}
    Promise& operator=(Promise o) noexcept {
        std::swap(state_, o.state_);
        return *this;
    }
    ~Promise() {
        if (state_) --state_->promises;
    }

    bool settled() const { return state_->settled(); }

    // co_await promise: the value (moved out when this is the only Promise left
    // and it is awaited as an rvalue), or what it was rejected with, thrown.
    auto operator co_await() const& noexcept { return Awaiter{state_, false}; }
    auto operator co_await() && noexcept { return Awaiter{state_, state_->promises == 1}; }

    // The value, or the exception thrown, once settled (what runUntil() returns);
    // ERR_CHILDPROC_NOT_SETTLED before.
    T take() {
        if (!settled()) throw Error("Promise::take(): the promise is not settled yet", "ERR_CHILDPROC_NOT_SETTLED");
        state_->observed = true;
        return Awaiter{state_, state_->promises == 1}.await_resume();
    }

private:
    explicit Promise(std::shared_ptr<State> s) : state_(std::move(s)) { ++state_->promises; }

    struct Awaiter {
        std::shared_ptr<State> state;
        bool move;
        bool await_ready() const noexcept { return state->settled(); }
        void await_suspend(std::coroutine_handle<> h) {
            state->observed = true;
            state->waiters.push_back(h);
        }
        T await_resume() {
            state->observed = true;
            if (state->error) std::rethrow_exception(state->error);
            if constexpr (!std::is_void_v<T>) {
                // A move-only value can be taken once only.
                if constexpr (!std::is_copy_constructible_v<T>) return std::move(*state->value);
                else if (move) return std::move(*state->value);
                else return *state->value;
            }
        }
    };

    std::shared_ptr<State> state_;
};

// Run `loop` until `p` settles, then return its value or throw its exception: how
// main() awaits. Throws ERR_CHILDPROC_DEADLOCK if the loop runs dry first.
template <class T>
T runUntil(Promise<T> p, uv_loop_t* loop = nullptr) {
    while (!p.settled()) {
        if (!runOnce(loop) && !p.settled())
            throw Error("runUntil: the loop has no work left but the promise is not settled", "ERR_CHILDPROC_DEADLOCK");
    }
    return p.take();
}

}  // namespace childproc
