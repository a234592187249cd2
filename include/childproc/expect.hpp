// SPDX-License-Identifier: MIT
#pragma once
// pexpect's core on a childproc::Pty: wait for text or a pattern in a program's
// terminal output, then answer it, as a person at the keyboard would.
//
//   childproc::Expect py("python3", {"-i", "-q"});
//   py.expect(">>> ");
//   py.sendLine("6 * 7");
//   auto r = py.expect(std::regex(R"((\d+)\r\n)"));
//   r.groups[0];                       // "42"
//   py.sendEof();
//   py.expect("never printed").status  // ExpectStatus::eof
//
// Each form has a co_await twin (expectAsync, waitAsync) for a program driven
// from a coroutine on the Pty's loop; the plain forms run that loop until done,
// so call them from outside its callbacks.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "childproc/child_process.hpp"
#include "childproc/events.hpp"
#include "childproc/export.hpp"
#include "childproc/promise.hpp"
#include "childproc/pty.hpp"

namespace childproc {

namespace detail {
class Timer;
}

// What expect() waits for: text exactly as written, or a regex (std::regex, any
// grammar) searched for in the output received so far.
class CHILDPROC_EXPORT Pattern {
public:
    Pattern(std::string text);                                 // NOLINT(google-explicit-constructor): expect(">>> ")
    Pattern(const char* text) : Pattern(std::string(text)) {}  // NOLINT(google-explicit-constructor)
    Pattern(std::regex re);                                    // NOLINT(google-explicit-constructor)

    struct Found {
        std::size_t position = 0;
        std::size_t length = 0;
        std::vector<std::string> groups;  // a regex's capture groups (1, 2, ...)
    };
    // The first match in `text`; text is searched only from `from` on, where
    // nothing before could start a match of a plain string.
    std::optional<Found> find(std::string_view text, std::size_t from) const;

private:
    std::string text_;
    std::optional<std::regex> regex_;
};

enum class ExpectStatus { matched, eof, timeout };

struct ExpectResult {
    ExpectStatus status = ExpectStatus::timeout;
    std::size_t index = 0;            // which of the patterns matched
    std::string before;               // the output before the match; at eof or timeout, all of it
    std::string match;                // the text the pattern matched
    std::vector<std::string> groups;  // a regex's capture groups
    explicit operator bool() const { return status == ExpectStatus::matched; }
};

class CHILDPROC_EXPORT Expect {
public:
    // pexpect's default.
    static constexpr std::chrono::milliseconds kDefaultTimeout{30000};
    // Output kept while nothing matches; past it the oldest half goes (pexpect's
    // searchwindowsize, bounded by default), so a chatty program cannot grow us.
    static constexpr std::size_t kMaxBuffer = 4 * 1024 * 1024;

    // Starts the program on a new terminal (Pty::spawn; the same errors).
    Expect(const std::string& file, const std::vector<std::string>& args = {}, const PtyOptions& options = {});
    Expect(const Expect&) = delete;
    Expect& operator=(const Expect&) = delete;
    // A program still running gets SIGHUP and its terminal is closed.
    ~Expect();

    // The earliest match of any pattern (the first listed wins a tie); everything up
    // to the match's end is consumed. EOF (the output ended) and timeout are results,
    // not exceptions: the output is in `before` and, for a timeout, still in buffer().
    ExpectResult expect(std::vector<Pattern> patterns, std::chrono::milliseconds timeout = kDefaultTimeout);
    ExpectResult expect(Pattern pattern, std::chrono::milliseconds timeout = kDefaultTimeout);
    // One at a time: a second while one waits throws ERR_EXPECT_PENDING.
    Promise<ExpectResult> expectAsync(std::vector<Pattern> patterns,
                                      std::chrono::milliseconds timeout = kDefaultTimeout);
    Promise<ExpectResult> expectAsync(Pattern pattern, std::chrono::milliseconds timeout = kDefaultTimeout);

    void send(std::string_view text);
    // The line and Enter ("\r", what the key sends; the terminal makes it "\n").
    void sendLine(std::string_view line = {});
    // Ctrl+letter: sendControl('c') is ^C (SIGINT to the foreground job).
    void sendControl(char letter);
    // ^D: the end of input for a program reading a cooked terminal.
    void sendEof();

    // Until the terminal closes; output after the last match stays in buffer().
    ExitStatus wait();
    Promise<ExitStatus> waitAsync();

    // Received and not yet consumed by a match.
    const std::string& buffer() const { return buffer_; }
    Pty& pty() { return *pty_; }

private:
    struct Pending;
    void onText(std::string_view text);
    void onEof();
    bool tryMatch();
    void settle(ExpectResult result);

    std::shared_ptr<Pty> pty_;
    std::string buffer_;
    std::size_t searched_ = 0;  // buffer_ before this held no match of any plain-string pattern
    bool eof_ = false;
    std::unique_ptr<Pending> pending_;
    ScopedSubscription data_, close_;
};

}  // namespace childproc
