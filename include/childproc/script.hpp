// SPDX-License-Identifier: MIT
#pragma once
// Scripting, as execa and zx are to Node: commands as values, `|` pipelines on
// kernel pipes, lines as they come, errors a person can read.
//
//   using namespace childproc::script;
//   auto head = sh("git rev-parse HEAD").text();
//   auto repo = sh.cwd("/src/app").env("LC_ALL", "C");
//   for (auto& f : (repo("git ls-files {}", "*.cpp") | repo("xargs wc -l") | sh("sort -n")).lines()) ...
//   auto r = co_await repo("git log --oneline -n {}", 3);
//
// Each {} in a command's format is exactly one argument whatever it holds (a
// range: one argument per element); the format's own words are split on spaces
// and may not hold quotes or shell operators (a compile error says so), so the
// format is a literal; words known only at run time go through sh.cmd(...). A
// shell runs only when asked: sh.shell("...").

#include <charconv>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ranges>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <uv.h>
#include <nlohmann/json.hpp>

#include "childproc/exec.hpp"
#include "childproc/export.hpp"
#include "childproc/options.hpp"
#include "childproc/promise.hpp"
#include "childproc/signals.hpp"

namespace childproc::script {

class Cmd;

// What a pipeline stage passes to the next: stdout (as `|`), stderr, or both
// (as `2>&1 |`).
enum class Piped { out, err, all };
// A file a command's stdout or stderr goes to.
enum class Write { truncate, append };

// The settings a command runs with. A value: every setter returns a new one, so
// `auto repo = sh.cwd(dir)` never changes `sh`, and nothing is process-wide.
class CHILDPROC_EXPORT Settings {
public:
    struct Values {
        std::optional<std::string> cwd;
        std::map<std::string, std::string> env;  // added to (or replacing entries of) ours
        std::chrono::milliseconds timeout{0};    // 0: none
        Signal killSignal = SIGTERM;
        std::chrono::milliseconds forceKillAfter{2000};  // then SIGKILL to the group
        std::chrono::milliseconds drainAfterKill{500};   // output still awaited once the stages died
        std::optional<bool> verbose;                     // unset: the CHILDPROC_VERBOSE variable
        bool nothrow = false;
        std::set<int> okCodes{0};
        Encoding encoding = Encoding::utf8;
        std::optional<std::string> input;
        std::size_t maxBuffer = 100 * 1024 * 1024;  // per stream, as execa
        std::stop_token stop;
        bool ownGroup = true;  // one process group for all its stages, which a kill takes whole
        bool killWithParent = true;
        bool detached = false;      // its own session instead, not killed when we die
        uv_loop_t* loop = nullptr;  // co_await: default uv_default_loop()
        Backend backend = Backend::automatic;
    };

    Settings() = default;
    explicit Settings(Values v) : v_(std::move(v)) {}

    Settings cwd(std::filesystem::path dir) const;
    Settings env(std::string name, std::string value) const;
    Settings timeout(std::chrono::milliseconds t) const;
    Settings killSignal(Signal sig) const;
    Settings forceKillAfter(std::chrono::milliseconds t) const;
    Settings drainAfterKill(std::chrono::milliseconds t) const;
    Settings verbose(bool on = true) const;
    // A failure is a result (result.ok() false), not an exception.
    Settings nothrow(bool on = true) const;
    // Exit codes that are a success (default {0}): grep's {0, 1}.
    Settings okCodes(std::set<int> codes) const;
    Settings encoding(Encoding e) const;
    Settings input(std::string text) const;
    Settings maxBuffer(std::size_t bytes) const;
    Settings stop(std::stop_token token) const;
    // Detached: its own session, not killed when we die (a daemon).
    Settings detached() const;
    // In our process group, for a command that needs our terminal (a kill
    // reaches only the command itself).
    Settings inOurGroup() const;
    Settings loop(uv_loop_t* l) const;
    Settings backend(Backend b) const;

    const Values& values() const { return v_; }

    // A command from a format: sh("git log -n {} -- {}", 3, path).
    template <class... A>
    class Format;
    template <class... A>
    Cmd operator()(Format<std::type_identity_t<A>...> format, A&&... args) const;
    // A command from its words: sh.cmd("git", "log", "-n", 3, files).
    template <class... A>
    Cmd cmd(A&&... words) const;
    // A command run by /bin/sh -c: the only way a shell is involved.
    Cmd shell(std::string script) const;

private:
    template <class F>
    Settings edited(F&& edit) const {
        Settings s = *this;
        edit(s.v_);
        return s;
    }
    Values v_;
};

// One stage of a pipeline, once it ran.
struct StageReport {
    std::string command;  // quoted for a shell
    std::optional<int> pid;
    std::optional<int> exitCode;
    std::optional<std::string> signal;
    std::optional<Error> error;  // it could not start
    std::string stdoutData;      // a stage that pipes its stderr on: what it wrote to stdout
    bool ok(const std::set<int>& okCodes) const { return !error && !signal && exitCode && okCodes.count(*exitCode); }
};

struct CHILDPROC_EXPORT Result {
    std::string command;  // "a 'b c' | d", quoted so it can be pasted into a shell
    std::string cwd;
    std::string stdoutData;             // the last stage's stdout (stdout/stderr are C macros)
    std::string stderrData;             // every stage's stderr, as it came
    std::string all;                    // stdout and stderr interleaved as they reached us
    std::optional<int> exitCode;        // of the stage that decides (pipefail)
    std::optional<std::string> signal;  // "SIGTERM" when that stage was killed
    std::chrono::nanoseconds duration{0};
    std::vector<StageReport> stages;
    bool timedOut = false;
    bool aborted = false;          // its stop token was triggered
    bool failed = false;           // what threw, under nothrow
    std::optional<Error> problem;  // why it failed, when not the exit status (maxBuffer, ENOENT, ...)

    bool ok() const { return !failed; }
    // stdout without its last newline (zx's text(), execa's stripFinalNewline).
    std::string text() const;
    // stdout split into lines ("\n" or "\r\n"), without a last empty one.
    std::vector<std::string> lines() const;
    nlohmann::json json() const;
};

// What a failed command throws: the command quoted, its cwd, exit code or signal,
// duration, and the last lines of its stderr and stdout. ExecError's fields hold
// them too (exitCode, signal, cmd, stdoutData, stderrData).
class CHILDPROC_EXPORT ScriptError : public ExecError {
public:
    explicit ScriptError(Result r);
    Result result;
};

class LineSource;

// Lines while the command runs, for a range-for; the loop ends by throwing
// ScriptError if the command failed (its result holds stderr; the stdout was
// yours). Memory stays flat: the command is paused while lines wait to be read.
// Leaving the loop early kills the command.
class CHILDPROC_EXPORT Lines {
public:
    class iterator {
    public:
        using value_type = std::string;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        const std::string& operator*() const { return line_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        void operator++(int) { advance(); }
        bool operator==(std::default_sentinel_t) const { return !lines_; }

    private:
        friend class Lines;
        explicit iterator(Lines* l) : lines_(l) { advance(); }
        void advance();
        Lines* lines_ = nullptr;
        std::string line_;
    };

    explicit Lines(const Cmd& cmd);
    Lines(Lines&&) noexcept;
    ~Lines();
    iterator begin() { return iterator(this); }
    std::default_sentinel_t end() { return {}; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The same for coroutines: co_await next() gives each line, then nullopt, or throws.
// kill() ends the command early (next() then throws, as it failed).
class CHILDPROC_EXPORT AsyncLines {
public:
    explicit AsyncLines(const Cmd& cmd);
    AsyncLines(AsyncLines&&) noexcept = default;
    ~AsyncLines();  // kills the command if it is still running
    Promise<std::optional<std::string>> next();
    void kill(Signal sig = SIGTERM);

private:
    std::shared_ptr<LineSource> source_;
};

// A command, or a pipeline of them: a value to run, as often as you like.
class CHILDPROC_EXPORT Cmd {
public:
    struct Stage {
        std::string file;
        std::vector<std::string> args;
        Piped piped = Piped::out;  // what it sends to the next stage
    };
    struct Redirect {
        std::filesystem::path path;
        Write mode = Write::truncate;
    };
    struct Spec {
        Settings::Values settings;
        std::vector<Stage> stages;
        std::optional<std::string> input;  // beats settings.input
        std::optional<std::filesystem::path> inputFile;
        std::optional<Redirect> stdoutFile, stderrFile;
    };

    Cmd(Settings::Values settings, std::string file, std::vector<std::string> args);

    // `a | b`: b's stdin is what a pipes (stdout, unless pipeFrom() says otherwise).
    friend CHILDPROC_EXPORT Cmd operator|(Cmd a, const Cmd& b);
    // What the last stage sends to a `|` after it.
    Cmd pipeFrom(Piped what) const;
    // stdin from text, a file, or lines (each followed by "\n").
    Cmd input(std::string text) const;
    Cmd inputFile(std::filesystem::path path) const;
    template <std::ranges::input_range R>
    Cmd inputLines(R&& lines) const {
        std::string text;
        for (auto&& l : lines) (text += std::string_view(l)) += '\n';
        return input(std::move(text));
    }
    Cmd stdoutTo(std::filesystem::path path, Write mode = Write::truncate) const;
    Cmd stderrTo(std::filesystem::path path, Write mode = Write::truncate) const;
    // The same command with other settings (its cwd, env, timeout...).
    Cmd with(const Settings& s) const;

    // Run and wait (on a private loop: blocks this thread only).
    Result run() const;
    std::string text() const { return run().text(); }
    std::vector<std::string> lines() const { return run().lines(); }
    nlohmann::json json() const { return run().json(); }
    // Start on settings.loop and co_await the result.
    Promise<Result> async() const;
    auto operator co_await() const { return async().operator co_await(); }
    // Lines while it runs.
    Lines readLines() const { return Lines(*this); }
    AsyncLines readLinesAsync() const { return AsyncLines(*this); }

    // The command as a shell would show it: git log 'a b' | wc -l
    std::string toString() const;
    const Spec& spec() const { return spec_; }

private:
    Spec spec_;
};

namespace detail {

// One word of a command, as text.
template <class T>
concept Word = (std::convertible_to<const T&, std::string_view> || (std::integral<T> && !std::same_as<T, bool>) ||
                std::floating_point<T> || std::same_as<T, std::filesystem::path>);
// A range of words: one argument per element.
template <class T>
concept Words = std::ranges::input_range<T> && !Word<T> && Word<std::remove_cvref_t<std::ranges::range_reference_t<T>>>;

template <Word T>
std::string word(const T& v) {
    if constexpr (std::same_as<T, char>) return std::string(1, v);
    else if constexpr (std::convertible_to<const T&, std::string_view>) return std::string(std::string_view(v));
    else if constexpr (std::same_as<T, std::filesystem::path>) return v.string();
    else {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, end);
    }
}

// A {} argument: its words, and whether it was a range (which may only stand alone).
struct FormatArg {
    std::vector<std::string> words;
    bool range = false;
};

template <class T>
FormatArg formatArg(const T& v) {
    using U = std::remove_cvref_t<T>;
    if constexpr (Word<U>) return {{word(v)}, false};
    else {
        FormatArg a{{}, true};
        for (auto&& e : v) a.words.push_back(word(e));
        return a;
    }
}

template <class T>
void appendWords(std::vector<std::string>& out, const T& v) {
    FormatArg a = formatArg(v);
    out.insert(out.end(), std::make_move_iterator(a.words.begin()), std::make_move_iterator(a.words.end()));
}

enum class FormatFault { none, brace, shellSyntax };

// What is wrong with a format, if anything; n is the number of {} it holds.
consteval FormatFault checkFormat(std::string_view f, std::size_t& n) {
    n = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
        char c = f[i];
        const bool doubled = i + 1 < f.size() && f[i + 1] == c;
        if (c == '{') {
            if (!doubled && !(i + 1 < f.size() && f[i + 1] == '}')) return FormatFault::brace;
            n += doubled ? 0 : 1;
            ++i;
        } else if (c == '}') {
            if (!doubled) return FormatFault::brace;
            ++i;
        } else if (std::string_view("'\"\\`$|;&<>*?~").find(c) != std::string_view::npos) {
            return FormatFault::shellSyntax;
        }
    }
    return FormatFault::none;
}

// Never defined: a bad format calls one at compile time, and the compiler's
// error names it, which says what is wrong.
void quotes_globs_and_shell_operators_are_not_parsed_in_a_command_format_pass_such_text_as_a_brace_argument();
void a_brace_in_a_command_format_must_be_an_empty_pair_or_doubled();
void the_number_of_empty_braces_differs_from_the_number_of_arguments();

// Split the format into words and put each argument in its {}.
CHILDPROC_EXPORT std::vector<std::string> expandFormat(std::string_view format, std::vector<FormatArg> args);

}  // namespace detail

template <class... A>
class Settings::Format {
public:
    template <class S>
    requires std::convertible_to<const S&, std::string_view>
    consteval Format(const S& s) : text_(s) {  // NOLINT(google-explicit-constructor): a literal is the format
        std::size_t n = 0;
        switch (detail::checkFormat(text_, n)) {
        case detail::FormatFault::shellSyntax:
            detail::
                quotes_globs_and_shell_operators_are_not_parsed_in_a_command_format_pass_such_text_as_a_brace_argument();
            break;
        case detail::FormatFault::brace: detail::a_brace_in_a_command_format_must_be_an_empty_pair_or_doubled(); break;
        case detail::FormatFault::none: break;
        }
        if (n != sizeof...(A)) detail::the_number_of_empty_braces_differs_from_the_number_of_arguments();
    }
    std::string_view text() const { return text_; }

private:
    std::string_view text_;
};

template <class... A>
Cmd Settings::operator()(Format<std::type_identity_t<A>...> format, A&&... args) const {
    static_assert(((detail::Word<std::remove_cvref_t<A>> || detail::Words<A>)&&...),
                  "each {} takes a string, a number, a path or a range of them");
    auto words = detail::expandFormat(format.text(), {detail::formatArg(args)...});
    if (words.empty()) throw Error("A command format needs a program", "ERR_INVALID_ARG_VALUE", "TypeError");
    std::string file = std::move(words.front());
    words.erase(words.begin());
    return Cmd(v_, std::move(file), std::move(words));
}

template <class... A>
Cmd Settings::cmd(A&&... words) const {
    static_assert(sizeof...(A) > 0, "a command needs a program");
    static_assert(((detail::Word<std::remove_cvref_t<A>> || detail::Words<A>)&&...),
                  "a command's words are strings, numbers, paths or ranges of them");
    std::vector<std::string> all;
    (detail::appendWords(all, words), ...);
    if (all.empty()) throw Error("A command needs a program", "ERR_INVALID_ARG_VALUE", "TypeError");
    std::string file = std::move(all.front());
    all.erase(all.begin());
    return Cmd(v_, std::move(file), std::move(all));
}

// The default settings: no cwd change, our environment, no timeout.
inline const Settings sh{};

// Run fn until it returns without throwing, at most `attempts` times, sleeping
// `delay` before the second attempt and `factor` times longer before each next one
// (zx's retry with expBackoff); the last failure is rethrown.
struct Backoff {
    std::chrono::milliseconds delay{100};
    double factor = 2.0;
    std::chrono::milliseconds maxDelay{30000};
};
CHILDPROC_EXPORT std::chrono::milliseconds backoffDelay(const Backoff& b, int attempt);

template <class F>
auto retry(int attempts, Backoff backoff, F&& fn) -> decltype(fn()) {
    for (int attempt = 1;; ++attempt) {
        try {
            return fn();
        } catch (...) {
            if (attempt >= attempts) throw;
        }
        std::this_thread::sleep_for(backoffDelay(backoff, attempt));
    }
}
template <class F>
auto retry(int attempts, F&& fn) -> decltype(fn()) {
    return retry(attempts, Backoff{}, std::forward<F>(fn));
}

// A Promise that settles `ms` from now on `loop` (setTimeout for co_await).
CHILDPROC_EXPORT Promise<void> sleep(std::chrono::milliseconds ms, uv_loop_t* loop = nullptr);

// retry() for coroutines: fn returns a Promise; the delays do not block the loop.
template <class F>
auto retryAsync(int attempts, Backoff backoff, F fn) -> decltype(fn()) {
    for (int attempt = 1;; ++attempt) {
        try {
            co_return co_await fn();
        } catch (...) {
            if (attempt >= attempts) throw;
        }
        co_await sleep(backoffDelay(backoff, attempt));
    }
}

}  // namespace childproc::script
