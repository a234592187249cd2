// SPDX-License-Identifier: MIT
// Matching a terminal's output as it arrives: each chunk is appended to one
// buffer, and a waiting expect() is settled by the first of a match, the end of
// the output, or its timer.

#include "childproc/expect.hpp"

#include <utility>

#include "childproc/loop.hpp"
#include "core/timer.hpp"

namespace childproc {

struct Expect::Pending {
    std::vector<Pattern> patterns;
    Promise<ExpectResult>::Resolver resolver;
    detail::Timer timer;
};

Expect::Expect(const std::string& file, const std::vector<std::string>& args, const PtyOptions& options)
    : pty_(Pty::spawn(file, args, options)) {
    data_ = pty_->onData([this](std::string_view text) { onText(text); });
    close_ = pty_->onClose([this](const ExitStatus&) { onEof(); });
}

Expect::~Expect() {
    data_.off();
    close_.off();
    if (!pty_->isClosed()) pty_->destroy();
}

ExpectResult Expect::expect(std::vector<Pattern> patterns, std::chrono::milliseconds timeout) {
    return runUntil(expectAsync(std::move(patterns), timeout), pty_->loop());
}

ExpectResult Expect::expect(Pattern pattern, std::chrono::milliseconds timeout) {
    return expect(std::vector<Pattern>{std::move(pattern)}, timeout);
}

Promise<ExpectResult> Expect::expectAsync(Pattern pattern, std::chrono::milliseconds timeout) {
    return expectAsync(std::vector<Pattern>{std::move(pattern)}, timeout);
}

Promise<ExpectResult> Expect::expectAsync(std::vector<Pattern> patterns, std::chrono::milliseconds timeout) {
    if (pending_) throw Error("expect() is already waiting on this terminal", "ERR_EXPECT_PENDING");
    if (patterns.empty()) throw Error("expect() needs at least one pattern", "ERR_INVALID_ARG_VALUE", "TypeError");
    auto [promise, resolver] = Promise<ExpectResult>::withResolvers();
    pending_ = std::make_unique<Pending>(Pending{std::move(patterns), resolver, {}});
    searched_ = 0;  // new patterns: the whole buffer is new to them
    if (tryMatch()) return promise;
    if (eof_) {
        onEof();
        return promise;
    }
    pending_->timer.start(pty_->loop(), timeout, [this] {
        ExpectResult r;
        r.status = ExpectStatus::timeout;
        r.before = buffer_;
        settle(std::move(r));
    });
    return promise;
}

void Expect::onText(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() > kMaxBuffer) {
        const std::size_t drop = buffer_.size() - kMaxBuffer / 2;
        buffer_.erase(0, drop);
        searched_ = searched_ > drop ? searched_ - drop : 0;
    }
    if (pending_) tryMatch();
}

bool Expect::tryMatch() {
    std::optional<Pattern::Found> best;
    std::size_t index = 0;
    const auto& patterns = pending_->patterns;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        auto f = patterns[i].find(buffer_, searched_);
        if (f && (!best || f->position < best->position)) {
            best = std::move(f);
            index = i;
        }
    }
    if (!best) {
        searched_ = buffer_.size();
        return false;
    }
    ExpectResult r;
    r.status = ExpectStatus::matched;
    r.index = index;
    r.before = buffer_.substr(0, best->position);
    r.match = buffer_.substr(best->position, best->length);
    r.groups = std::move(best->groups);
    buffer_.erase(0, best->position + best->length);
    searched_ = 0;
    settle(std::move(r));
    return true;
}

void Expect::onEof() {
    eof_ = true;
    if (!pending_ || tryMatch()) return;
    ExpectResult r;
    r.status = ExpectStatus::eof;
    r.before = std::exchange(buffer_, {});  // as pexpect: what came is `before`, the buffer empties
    settle(std::move(r));
}

void Expect::settle(ExpectResult result) {
    auto pending = std::move(pending_);  // the resolver may start the next expect()
    pending->timer.close();
    pending->resolver.resolve(std::move(result));
}

void Expect::send(std::string_view text) { pty_->write(std::string(text)); }
void Expect::sendLine(std::string_view line) { send(std::string(line) + "\r"); }
void Expect::sendControl(char letter) {
    // As a keyboard: Ctrl clears the top bits of the letter; '?' is DEL.
    send(std::string(1, letter == '?' ? '\x7f' : static_cast<char>(letter & 0x1f)));
}
void Expect::sendEof() { sendControl('d'); }

ExitStatus Expect::wait() { return runUntil(waitAsync(), pty_->loop()); }
Promise<ExitStatus> Expect::waitAsync() { return pty_->closed(); }

}  // namespace childproc
