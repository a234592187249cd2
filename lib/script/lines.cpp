// SPDX-License-Identifier: MIT
// Lines while a command runs. The bytes are split at '\n', which no UTF-8
// character contains, so a character split across reads comes out whole; each
// line is decoded on its own. The command is paused while lines wait, so memory
// stays flat whatever it prints.

#include <deque>
#include <string>

#include "childproc/script.hpp"
#include "exec/encoding.hpp"
#include "exec/private_loop.hpp"
#include "script/run.hpp"

namespace childproc::script {

class LineSource {
public:
    using Pulled = std::optional<std::string>;  // a line, or nullopt at the end

    explicit LineSource(const Cmd& cmd)
        : encoding_(cmd.spec().settings.encoding), nothrow_(cmd.spec().settings.nothrow) {}

    static std::shared_ptr<LineSource> start(const Cmd& cmd, uv_loop_t* loop) {
        auto src = std::make_shared<LineSource>(cmd);
        src->run_ = detail::Run::start(
            cmd, loop, [src](Result r) { src->end(std::move(r)); },
            [raw = src.get()](std::string_view d) { raw->feed(d); });
        return src;
    }

    // A line, the end, or nothing yet (nullopt outside); throws at the end of a failed command.
    std::optional<Pulled> pull() {
        if (!ready_.empty()) {
            std::string line = std::move(ready_.front());
            ready_.pop_front();
            readyBytes_ -= line.size();
            if (paused_ && readyBytes_ < kLow) {
                paused_ = false;
                run_->resumeOutput();
            }
            return Pulled(std::move(line));
        }
        if (!result_) return std::nullopt;
        if (result_->failed && !nothrow_) throw ScriptError(*result_);
        return Pulled();
    }

    // co_await next(): settled at once when a line is ready, else by feed() or end().
    Promise<Pulled> next() {
        auto [p, r] = Promise<Pulled>::withResolvers();
        waiter_ = r;
        settleWaiter();
        return p;
    }

    void kill(Signal sig) { run_->stop(sig); }

    // Nobody will read on: the command is killed and what it still prints is dropped.
    void abandon() {
        abandoned_ = true;
        ready_.clear();
        run_->stop(run_->killSignal());
        run_->resumeOutput();
    }

private:
    static constexpr std::size_t kHigh = 256 * 1024;
    static constexpr std::size_t kLow = 64 * 1024;

    void feed(std::string_view chunk) {
        if (abandoned_) return;
        for (std::size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
            partial_.append(chunk.substr(0, nl));
            push(std::move(partial_));
            partial_.clear();
            chunk.remove_prefix(nl + 1);
        }
        partial_.append(chunk);
        if (!paused_ && readyBytes_ > kHigh) {
            paused_ = true;
            run_->pauseOutput();
        }
        settleWaiter();
    }

    void push(std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        line = ::childproc::detail::applyEncoding(std::move(line), encoding_);
        readyBytes_ += line.size();
        ready_.push_back(std::move(line));
    }

    void end(Result r) {
        if (!partial_.empty()) push(std::move(partial_));
        result_ = std::move(r);
        settleWaiter();
    }

    void settleWaiter() {
        if (!waiter_) return;
        try {
            auto got = pull();
            if (!got) return;
            std::exchange(waiter_, std::nullopt)->resolve(std::move(*got));
        } catch (...) {
            std::exchange(waiter_, std::nullopt)->reject(std::current_exception());
        }
    }

    Encoding encoding_;
    bool nothrow_;
    std::shared_ptr<detail::Run> run_;
    std::deque<std::string> ready_;
    std::size_t readyBytes_ = 0;
    std::string partial_;
    bool paused_ = false;
    bool abandoned_ = false;
    std::optional<Result> result_;
    std::optional<Promise<Pulled>::Resolver> waiter_;
};

struct Lines::Impl {
    ::childproc::detail::PrivateLoop loop;
    std::shared_ptr<LineSource> source;
};

Lines::Lines(const Cmd& cmd) : impl_(std::make_unique<Impl>()) {
    if (impl_->loop.error()) throw ::childproc::detail::noLoopError("a loop for Cmd::readLines", impl_->loop.error());
    impl_->source = LineSource::start(cmd, impl_->loop.get());
}
Lines::Lines(Lines&&) noexcept = default;
// An unfinished command is killed; the private loop then runs until it has closed.
Lines::~Lines() {
    if (impl_) impl_->source->abandon();
}

void Lines::iterator::advance() {
    Impl& impl = *lines_->impl_;
    for (;;) {
        if (auto got = impl.source->pull()) {
            if (!*got) lines_ = nullptr;
            else line_ = std::move(**got);
            return;
        }
        if (!runOnce(impl.loop.get()))
            throw Error("Cmd::readLines: the loop ran dry before the command ended", "ERR_CHILDPROC_DEADLOCK");
    }
}

AsyncLines::AsyncLines(const Cmd& cmd)
    : source_(LineSource::start(cmd, cmd.spec().settings.loop ? cmd.spec().settings.loop : defaultLoop())) {}

AsyncLines::~AsyncLines() {
    if (source_) source_->abandon();
}

Promise<std::optional<std::string>> AsyncLines::next() { return source_->next(); }

void AsyncLines::kill(Signal sig) { source_->kill(sig); }

}  // namespace childproc::script
