// SPDX-License-Identifier: MIT
// Lines while a command runs. The bytes wait in one buffer and are split at '\n'
// as they are read, which no UTF-8 character contains: a character split across
// reads comes out whole. Text is checked once per read, and only a line with an
// invalid sequence is decoded. The command is paused while 256 KiB wait, so memory
// stays flat whatever it prints.

#include <algorithm>
#include <cstdint>
#include <string>

#include "childproc/script.hpp"
#include "exec/encoding.hpp"
#include "exec/private_loop.hpp"
#include "script/run.hpp"

namespace childproc::script {

class LineSource {
public:
    enum class Got { line, end, nothing };

    explicit LineSource(const Cmd& cmd)
        : utf8_(cmd.spec().settings.encoding == Encoding::utf8), nothrow_(cmd.spec().settings.nothrow) {}

    static std::shared_ptr<LineSource> start(const Cmd& cmd, uv_loop_t* loop) {
        auto src = std::make_shared<LineSource>(cmd);
        src->run_ = detail::Run::start(
            cmd, loop, [src](Result r) { src->end(std::move(r)); },
            [raw = src.get()](std::string_view d) { raw->feed(d); });
        return src;
    }

    // The next line into `line`, the end, or nothing yet; throws at the end of a
    // failed command.
    Got pull(std::string& line) {
        if (pos_ < complete_) {
            std::size_t nl = buf_.find('\n', pos_);
            take(line, nl);
            advanceTo(nl + 1);
            if (paused_ && buf_.size() - pos_ < kLow) {
                paused_ = false;
                run_->resumeOutput();
            }
            return Got::line;
        }
        if (!result_) return Got::nothing;
        if (pos_ < buf_.size()) {  // the last line, without its newline
            take(line, buf_.size());
            advanceTo(buf_.size());
            return Got::line;
        }
        if (result_->failed && !nothrow_) throw ScriptError(*result_);
        return Got::end;
    }

    // co_await next(): settled at once when a line is ready, else by feed() or end().
    Promise<std::optional<std::string>> next() {
        auto [p, r] = Promise<std::optional<std::string>>::withResolvers();
        waiter_ = r;
        settleWaiter();
        return p;
    }

    void kill(Signal sig) { run_->stop(sig); }

    // Nobody will read on: the command is killed and what it still prints is dropped.
    void abandon() {
        abandoned_ = true;
        buf_.clear();
        pos_ = complete_ = checked_ = invalidTo_ = 0;
        invalidFrom_ = SIZE_MAX;
        run_->stop(run_->killSignal());
        run_->resumeOutput();
    }

private:
    static constexpr std::size_t kHigh = 256 * 1024;
    static constexpr std::size_t kLow = 64 * 1024;

    void feed(std::string_view chunk) {
        if (abandoned_) return;
        if (pos_ > 0 && pos_ >= buf_.size() / 2) {  // drop what was read, at most once per half
            buf_.erase(0, pos_);
            complete_ -= pos_;
            checked_ -= pos_;
            if (invalidTo_ > 0) {
                invalidFrom_ = invalidFrom_ > pos_ ? invalidFrom_ - pos_ : 0;
                invalidTo_ -= pos_;
            }
            pos_ = 0;
        }
        buf_.append(chunk);
        if (std::size_t nl = buf_.rfind('\n'); nl != std::string::npos && nl + 1 > complete_) complete_ = nl + 1;
        checkText(complete_);
        if (!paused_ && buf_.size() - pos_ > kHigh) {
            paused_ = true;
            run_->pauseOutput();
        }
        settleWaiter();
    }

    // Whether the bytes up to `end` are valid UTF-8, looked at once.
    void checkText(std::size_t end) {
        if (!utf8_ || end <= checked_) return;
        std::string_view fresh(buf_.data() + checked_, end - checked_);
        if (::childproc::detail::validUtf8Prefix(fresh) != fresh.size()) {
            invalidFrom_ = std::min(invalidFrom_, checked_);
            invalidTo_ = end;
        }
        checked_ = end;
    }

    void advanceTo(std::size_t next) {
        pos_ = next;
        if (pos_ >= invalidTo_) {
            invalidFrom_ = SIZE_MAX;
            invalidTo_ = 0;
        }
    }

    // buf_[pos_, end) without a trailing '\r', decoded if it may be invalid.
    void take(std::string& line, std::size_t end) {
        if (end > pos_ && buf_[end - 1] == '\r') --end;
        line.assign(buf_, pos_, end - pos_);
        if (pos_ < invalidTo_ && end > invalidFrom_)
            line = ::childproc::detail::applyEncoding(std::move(line), Encoding::utf8);
    }

    void end(Result r) {
        checkText(buf_.size());
        result_ = std::move(r);
        settleWaiter();
    }

    void settleWaiter() {
        if (!waiter_) return;
        try {
            std::string line;
            switch (pull(line)) {
            case Got::nothing: return;
            case Got::line:
                std::exchange(waiter_, std::nullopt)->resolve(std::optional<std::string>(std::move(line)));
                break;
            case Got::end: std::exchange(waiter_, std::nullopt)->resolve(std::optional<std::string>()); break;
            }
        } catch (...) {
            std::exchange(waiter_, std::nullopt)->reject(std::current_exception());
        }
    }

    bool utf8_;
    bool nothrow_;
    std::shared_ptr<detail::Run> run_;
    std::string buf_;                     // bytes not yet handed out, from pos_
    std::size_t pos_ = 0;                 // the next line starts here
    std::size_t complete_ = 0;            // just after the last '\n' in buf_
    std::size_t checked_ = 0;             // bytes before this were checked as UTF-8
    std::size_t invalidFrom_ = SIZE_MAX;  // [invalidFrom_, invalidTo_) holds an invalid sequence
    std::size_t invalidTo_ = 0;
    bool paused_ = false;
    bool abandoned_ = false;
    std::optional<Result> result_;
    std::optional<Promise<std::optional<std::string>>::Resolver> waiter_;
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
        switch (impl.source->pull(line_)) {
        case LineSource::Got::line: return;
        case LineSource::Got::end: lines_ = nullptr; return;
        case LineSource::Got::nothing: break;
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
