// SPDX-License-Identifier: MIT
// childproc tour: every mode once, narrated, so a newcomer sees what happens.

#include <unistd.h>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include <childproc/expect.hpp>
#include <childproc/timeline.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;

namespace {

struct Step {
    const char* title;
    const char* node;  // the Node.js line it corresponds to
    bool (*run)();
};

// What the current step has said, for --html; null when nobody keeps it.
std::string* narration = nullptr;

void say(const std::string& s) {
    std::cout << "    " << s << std::endl;
    if (narration) *narration += s + "\n";
}

std::string codeText(std::optional<int> code, std::optional<std::string> sig) {
    return "code=" + (code ? std::to_string(*code) : std::string("null")) + " signal=" + sig.value_or("null");
}

// This program's own path, so the tour can fork itself as the IPC peer.
std::string selfPath() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("childproc");
}

bool inheritedStdio() {
    SpawnOptions o;
    o.stdio = StdioType::inherit;
    auto c = spawn("echo", {"    hello from a child"}, o);
    say("pid " + std::to_string(*c->pid()) + ", created by " + c->backend());
    bool ok = false;
    c->onExit([&](auto code, auto sig) {
        say("exit: " + codeText(code, sig));
        ok = code == 0;
    });
    run();
    return ok;
}

bool pipedOutput() {
    auto c = spawn("sh", {"-c", "echo one; echo two >&2; exit 3"});
    std::string out, err;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->stderrPipe()->onData([&](std::string_view d) { err += d; });
    std::vector<std::string> order;
    c->onSpawn([&] { order.push_back("spawn"); });
    c->onExit([&](auto, auto) { order.push_back("exit"); });
    c->onClose([&](auto code, auto sig) {
        order.push_back("close");
        say("close: " + codeText(code, sig));
    });
    run();
    say("stdout: " + nlohmann::json(out).dump() + "  stderr: " + nlohmann::json(err).dump());
    say("events in order: " + nlohmann::json(order).dump() + " — close waits for every stream to end");
    return out == "one\n" && err == "two\n" && c->exitCode() == 3;
}

bool missingProgram() {
    auto c = spawn("no-such-program-childproc-tour");
    std::optional<Error> err;
    c->onError([&](const Error& e) { err = e; });
    run();
    if (err) say("error: " + err->message() + " (code " + err->code + ", errno " + std::to_string(err->errnum) + ")");
    say("exitCode: " + std::to_string(c->exitCode().value_or(0)) + ", pid: " + (c->pid() ? "set" : "unset"));
    return err && err->code == "ENOENT";
}

bool execThroughShell() {
    bool ok = false;
    exec("echo $((6*7)); ls /nope-childproc-tour",
         [&](const std::optional<ExecError>& e, const std::string& out, const std::string& err) {
             say("stdout: " + nlohmann::json(out).dump());
             say("stderr: " + nlohmann::json(err).dump());
             if (e)
                 say("error: exitCode=" + std::to_string(e->exitCode.value_or(-1)) + ", message starts " +
                     nlohmann::json(std::string(e->what()).substr(0, 40)).dump());
             ok = out == "42\n" && e && e->exitCode == 2;
         });
    run();
    return ok;
}

bool execFileWithoutShell() {
    std::string got;
    execFile("echo", {"$HOME;", "not expanded"}, [&](const auto&, const std::string& out, const auto&) { got = out; });
    run();
    say("stdout: " + nlohmann::json(got).dump());
    return got == "$HOME; not expanded\n";
}

bool maxBufferKills() {
    ExecOptions o;
    o.maxBuffer = 1000;
    std::optional<ExecError> err;
    std::size_t kept = 0;
    auto c = exec("yes", o, [&](const std::optional<ExecError>& e, const std::string& out, const auto&) {
        err = e;
        kept = out.size();
    });
    run();
    if (err) say("error: " + err->code + " — " + err->message());
    say("kept " + std::to_string(kept) + " bytes; the child ended by " + c->signalCode().value_or("exit") +
        " (stdout is destroyed first, so a writer often dies of SIGPIPE, as in Node)");
    return err && err->code == "ERR_CHILD_PROCESS_STDIO_MAXBUFFER" && kept == 1000;
}

bool forkRoundTrip() {
    auto c = fork(selfPath(), {"ipc-echo"});
    std::string wireOut;
    c->channel()->onWire([&](bool out, std::string_view bytes) {
        if (out && wireOut.empty()) wireOut = std::string(bytes);
    });
    nlohmann::json reply;
    c->onMessage([&](const nlohmann::json& m, auto) {
        reply = m;
        c->disconnect();
    });
    c->send({{"ping", 1}, {"text", "héllo"}});
    run();
    say("we wrote " + nlohmann::json(wireOut).dump() + " (JSON.stringify + \\n, as Node does)");
    say("the child (pid " + std::to_string(*c->pid()) + ") answered " + reply.dump());
    say("after disconnect() it had nothing to wait for: exit " + std::to_string(c->exitCode().value_or(-1)));
    return reply["echo"]["ping"] == 1 && c->exitCode() == 0;
}

bool timeoutKills() {
    SpawnOptions o;
    o.timeout = std::chrono::milliseconds(200);
    auto t0 = std::chrono::steady_clock::now();
    auto c = spawn("sleep", {"10"}, o);
    run();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    say("ended after " + std::to_string(ms) + " ms: " + codeText(c->exitCode(), c->signalCode()) +
        ", killed=" + (c->killed() ? "true" : "false"));
    return c->signalCode() == "SIGTERM";
}

bool detachedOutlives() {
    std::string file = "/tmp/childproc-tour-" + std::to_string(::getpid()) + ".txt";
    SpawnOptions o;
    o.detached = true;
    o.stdio = StdioType::ignore;
    // The middle process exits at once; its detached child writes a moment later.
    auto c = spawn("sh", {"-c", "sleep 0.3; echo 'written by the detached child' > " + file}, o);
    c->unref();
    run();  // returns at once: nothing we wait for
    say("our loop finished while pid " + std::to_string(*c->pid()) + " still runs on its own");
    // Look until it has written, up to 30 s: a busy machine may start it late.
    std::string line;
    for (int i = 0; i < 600 && line.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream in(file);
        std::getline(in, line);
    }
    ::unlink(file.c_str());
    say("it wrote: " + nlohmann::json(line).dump());
    return line == "written by the detached child";
}

bool clusterServes() {
    auto r = spawnSync(selfPath(), {"cluster", "--workers", "2", "--port", "0", "--requests", "10"});
    const std::string out = r.stdoutData.value_or("");
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) say(line);
    return r.status == 0 && out.find("× hello from") != std::string::npos &&
           out.find("no answer") == std::string::npos &&
           out.find("all workers disconnected and exited") != std::string::npos;
}

bool kernelPipeline() {
    auto r = pipelineSync({{"printf", {"cherry\\napple\\nbanana\\n"}}, {"sort", {}}, {"head", {"-n", "2"}}});
    say("stdout: " + nlohmann::json(r.stdoutData).dump());
    for (const auto& st : r.stages)
        say("stage '" + st.cmd + "' pid " + std::to_string(st.pid.value_or(0)) + " exit " +
            std::to_string(st.code.value_or(-1)));
    return !r.error && r.stdoutData == "apple\nbanana\n";
}

// zx's way, in C++: a command is a value, each {} one argument, | on kernel pipes,
// and a failure an exception that quotes the command so it can be pasted back.
bool scripting() {
    using script::sh;
    const std::string tricky = "it's; $(not run)";
    auto shout = sh("printf {}", tricky + "\\n") | sh("tr a-z A-Z");
    say("$ " + shout.toString());
    const std::string out = shout.text();
    say("text(): " + nlohmann::json(out).dump() + " — the quote, ; and $() reached printf as one argument");
    bool caught = false;
    try {
        sh.timeout(std::chrono::milliseconds(200))("sleep {}", 10).run();
    } catch (const script::ScriptError& e) {
        std::istringstream lines(e.what());
        for (std::string line; std::getline(lines, line);) say(line);
        caught = e.result.timedOut;
    }
    return out == "IT'S; $(NOT RUN)" && caught;
}

// node-pty's way: the program finds a real terminal it controls, and the ^C typed
// on it is SIGINT, which no pipe can do.
bool terminal() {
    Expect term("sh", {"-c", "tty; stty size; exec sleep 10"}, {.cols = 100, .rows = 30});
    auto seen = term.expect(std::regex(R"((/dev/pts/\d+)\r\n(\d+ \d+)\r\n)"), std::chrono::seconds(10));
    if (seen) say("tty: " + seen.groups[0] + ", stty size: " + seen.groups[1] + " (rows cols)");
    term.sendControl('c');
    const ExitStatus status = term.wait();
    say("after ^C: " + (status.signal ? "killed by " + *status.signal : "exit " + std::to_string(*status.code)));
    return seen && seen.groups[1] == "30 100" && status.signal == "SIGINT";
}

const Step kSteps[] = {
    {"spawn with inherited stdio: the child writes straight to this terminal",
     "spawn('echo', ['hello from a child'], {stdio: 'inherit'})", inheritedStdio},
    {"spawn with pipes: we read the child's stdout as data events",
     "spawn('sh', ['-c', 'echo one; echo two >&2; exit 3']).stdout.on('data', ...)", pipedOutput},
    {"a program that does not exist: an 'error' event, then 'close' with the negative errno",
     "spawn('no-such-program').on('error', ...)", missingProgram},
    {"exec: a command line through /bin/sh, output buffered, one callback at the end",
     "exec('echo $((6*7)); ls /nope', (err, stdout, stderr) => ...)", execThroughShell},
    {"execFile: no shell, so $HOME and ; are just characters", "execFile('echo', ['$HOME;', 'not expanded'], cb)",
     execFileWithoutShell},
    {"maxBuffer: output beyond the limit kills the child; exactly maxBuffer bytes are kept",
     "exec('yes', {maxBuffer: 1000}, cb)", maxBufferKills},
    {"fork with a message round trip: JSON lines over a socketpair at the child's fd 3",
     "fork('echo.js').send({ping: 1}); child.on('message', m => ...)", forkRoundTrip},
    {"a timeout: after 200 ms the child gets killSignal (SIGTERM)", "spawn('sleep', ['10'], {timeout: 200})",
     timeoutKills},
    {"a detached child that outlives its parent: new session, unref'd, stdio ignored",
     "spawn(cmd, {detached: true, stdio: 'ignore'}).unref()", detachedOutlives},
    {"a cluster: two workers forked from one program serve one port; the primary hands out connections",
     "cluster.fork(); cluster.fork(); net.createServer(...).listen(0) in each worker", clusterServes},
    {"a pipeline without a shell: kernel pipes join the stages, no byte passes through us",
     "a.stdout.pipe(b.stdin) — but in the kernel: printf | sort | head -n 2", kernelPipeline},
    {"scripting as zx does it: each {} is one argument, | joins commands, a failure reads well",
     "await $`printf ${tricky} | tr a-z A-Z`; await $({timeout: 200})`sleep 10`", scripting},
    {"a terminal as node-pty makes one: the program has a real tty, and ^C typed on it is SIGINT",
     "pty.spawn('sh', ['-c', 'tty; stty size; exec sleep 10'], {cols: 100, rows: 30}).write('\\x03')", terminal},
};

std::string escaped(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

// One step of the lesson: its title, Node's code, what happened in words, and its timeline.
std::string lessonSection(std::size_t i, const Step& step, const std::string& words, const timeline::Recording& rec,
                          bool ok) {
    return "<section><h2>" + std::to_string(i + 1) + ". " + escaped(step.title) + "</h2>\n<pre class=\"code\">" +
           escaped(step.node) + "</pre>\n<pre>" + escaped(words) + (ok ? "" : "UNEXPECTED\n") + "</pre>\n" +
           rec.figure() + "</section>\n";
}

void writeLesson(const std::string& path, const std::string& sections) {
    std::ofstream out(path, std::ios::trunc);
    out << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"color-scheme\" content=\"light dark\"><title>childproc tour</title><style>"
        << timeline::pageStyle()
        << "</style></head><body>\n<h1>childproc tour: Node's child_process, step by step</h1>\n"
           "<p class=\"caption\">Each step: the Node.js code it mirrors, what happened, and a timeline of its "
           "processes (hover for details).</p>\n"
        << sections << "</body></html>\n";
    if (!out.flush()) throw Error("cannot write the tour to \"" + path + "\"", "ERR_TIMELINE_WRITE");
}

int runTour(const std::optional<std::string>& html) {
    int failed = 0;
    std::string sections;
    for (std::size_t i = 0; i < std::size(kSteps); ++i) {
        std::cout << "\n[" << i + 1 << "/" << std::size(kSteps) << "] " << kSteps[i].title
                  << "\n    Node: " << kSteps[i].node << std::endl;
        std::string words;
        std::optional<timeline::Recording> recording;
        if (html) {
            narration = &words;
            recording.emplace();
        }
        bool ok = false;
        try {
            ok = kSteps[i].run();
        } catch (const std::exception& e) {
            say(std::string("threw: ") + e.what());
        }
        narration = nullptr;
        say(ok ? "ok" : "UNEXPECTED");
        failed += !ok;
        if (recording) {
            recording->stop();
            sections += lessonSection(i, kSteps[i], words, *recording, ok);
        }
    }
    std::cout << "\ntour: " << std::size(kSteps) - failed << " of " << std::size(kSteps)
              << " steps behaved as Node's child_process does" << std::endl;
    if (html) {
        try {
            writeLesson(*html, sections);
            std::cout << "tour: the lesson, with a timeline per step, is in " << *html << std::endl;
        } catch (const Error& e) {
            complain(e.message());
            return kUsageStatus;
        }
    }
    return failed ? 1 : 0;
}

}  // namespace

Command tourCommand(CLI::App& app) {
    Command c;
    c.app = addSubcommand(app, "tour",
                          "Run every mode once, narrating what happens (Node: the child_process docs, live).", "");
    auto html = std::make_shared<std::optional<std::string>>();
    c.app
        ->add_option("--html", *html,
                     "also write the tour as one page: each step's Node code, what happened, "
                     "and a timeline of its processes")
        ->type_name("FILE");
    c.run = [html](const std::vector<std::string>&) { return runTour(*html); };
    return c;
}

}  // namespace cli
