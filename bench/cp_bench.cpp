// SPDX-License-Identifier: MIT
// childproc's side of the benchmarks; the same modes and output as floor.c.
//   cp_bench spawn RSS_MIB COUNT | inflight COUNT | throughput WRITER BYTES | capture[-utf8] WRITER BYTES
//   cp_bench ipc-rt|ipc-oneway|ipc-big|ipc-big-paced COUNT [node ECHO_JS]   peer: a C++ child, or Node
//     ipc-big sends all COUNT at once; ipc-big-paced stops when send() says false
//     and goes on from that message's callback, as a sender that heeds it does
//   cp_bench adv-rt|adv-oneway COUNT [node JS]   the same with serialization 'advanced', a small object
//   cp_bench adv-bytes SIZE COUNT [node JS]      the child sends COUNT Uint8Arrays of SIZE bytes;
//                                                prints msg/s and the parent's peak RSS in MiB
//   cp_bench scale N PIPES                       N `sleep` children alive at once (floor.c's scale)
//   cp_bench echo-child [COUNT] | adv-child [COUNT]            (internal) the C++ IPC peers
#include <dirent.h>
#include <sys/resource.h>
#include <childproc/childproc.hpp>
#include <childproc/timeline.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace childproc;
using nlohmann::json;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<char> resident;

void holdResident(long mib) {
    if (mib > 0) resident.assign(static_cast<std::size_t>(mib) << 20, 1);  // touched, so resident
}

double peakRssMiB() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// The 'advanced' peer: echoes each message (COUNT absent), or says "done" after
// COUNT; {go: [SIZE, COUNT]} makes it send COUNT Uint8Arrays of SIZE bytes.
void advancedChild(long target) {
    long seen = 0;
    process::onMessageValue([&](const Value& m, auto) {
        if (const Value& go = m["go"]; go.is<std::shared_ptr<Array>>()) {
            const Value bytes =
                Bytes{std::string(static_cast<std::size_t>(go[0].as<double>()), 'b'), Bytes::Kind::uint8Array};
            for (long i = 0; i < static_cast<long>(go[1].as<double>()); ++i) process::sendValue(bytes);
        } else if (target < 0) {
            process::sendValue(m);
        } else if (++seen == target) {
            process::send("done");
        }
    });
    run();
}

ChildProcessPtr forkPeer(const char* self, std::vector<std::string> args, int argc, char** argv, int nodeArg,
                         ForkOptions fo) {
    if (argc > nodeArg + 1 && std::string(argv[nodeArg]) == "node") {
        fo.execPath = "node";
        return fork(argv[nodeArg + 1], args, fo);
    }
    return fork(self, args, fo);
}

// A peer's answer in the round-trip and one-way modes: the next trip, or the
// figure (µs per trip, or msg/s at the one-way peer's "done"), then the peer goes.
template <class SendNext>
void answer(ChildProcess& c, bool rt, long count, long& answered, double t0, SendNext next) {
    if (rt && ++answered < count) return next();
    if (rt) std::printf("%.1f\n", (now() - t0) / count * 1e6);
    else std::printf("%.0f\n", count / (now() - t0));
    c.disconnect();
}

// adv-rt, adv-oneway and adv-bytes: see the top of this file.
void advanced(const std::string& mode, int argc, char** argv) {
    ForkOptions fo;
    fo.serialization = Serialization::advanced;
    const Value msg = Object{{"seq", 12345}, {"ok", true}, {"tags", Array{"a", "b"}}};
    if (mode == "adv-bytes") {
        const long size = std::atol(argv[2]), count = std::atol(argv[3]);
        auto c = forkPeer("/proc/self/exe", {"adv-child"}, argc, argv, 4, fo);
        long got = 0;
        double t0 = 0;
        c->onMessageValue([&](const Value& m, auto) {
            if (!m.is<Bytes>() || m.as<Bytes>().data.size() != static_cast<std::size_t>(size)) std::exit(1);
            if (++got < count) return;
            std::printf("%.1f %.1f\n", count / (now() - t0), peakRssMiB());
            c->disconnect();
        });
        c->onSpawn([&] {
            t0 = now();
            c->sendValue(Object{{"go", Array{static_cast<double>(size), static_cast<double>(count)}}});
        });
        run();
        return;
    }
    const long count = std::atol(argv[2]);
    const bool rt = mode == "adv-rt";
    auto c = forkPeer(
        "/proc/self/exe",
        rt ? std::vector<std::string>{"adv-child"} : std::vector<std::string>{"adv-child", std::to_string(count)}, argc,
        argv, 3, fo);
    long answered = 0;
    double t0 = 0;
    c->onMessageValue([&](const Value&, auto) { answer(*c, rt, count, answered, t0, [&] { c->sendValue(msg); }); });
    c->onSpawn([&] {
        t0 = now();
        if (rt) c->sendValue(msg);
        else
            for (long i = 0; i < count; ++i) c->sendValue(msg);
    });
    run();
}

// CP_BENCH_LIMITS=1: each child gets a limit, as `--rlimit nofile=1024` would
// (that takes the vfork backend, which can set it).
long residentKiB() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::atol(line + 6);
    if (f) std::fclose(f);
    return kib;
}

long openFds() {
    long n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (d && ::readdir(d)) ++n;
    if (d) ::closedir(d);
    return n;
}

// N children alive at once; what the parent holds per child, how the spawn cost
// moves as they pile up, and the time to start and to kill and reap them all.
void scale(long n, bool piped) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    SpawnOptions o;
    o.stdio = {StdioType::ignore, piped ? StdioType::pipe : StdioType::ignore,
               piped ? StdioType::pipe : StdioType::ignore};
    // CP_BENCH_POSIX_SPAWN=1: posix_spawn whatever the parent holds (closefrom in each child).
    if (std::getenv("CP_BENCH_POSIX_SPAWN")) o.backend = Backend::posixSpawn;
    std::vector<ChildProcessPtr> children;
    children.reserve(static_cast<std::size_t>(n));
    const long rss0 = residentKiB(), fds0 = openFds();
    double first = 0, last = 0;
    const double t0 = now();
    for (long i = 0; i < n; ++i) {
        const double s = now();
        children.push_back(spawn("/bin/sleep", {"3600"}, o));
        const double took = now() - s;
        if (i < 10) first += took;
        if (i >= n - 10) last += took;
    }
    const double started = now() - t0;
    const long rss1 = residentKiB(), fds1 = openFds();
    const double t1 = now();
    for (auto& c : children) c->kill(SIGKILL);
    children.clear();
    run();
    std::printf("%.0f %.0f %.2f %.2f %.1f %.1f\n", started * 1e3, (now() - t1) * 1e3,
                static_cast<double>(rss1 - rss0) / static_cast<double>(n),
                static_cast<double>(fds1 - fds0) / static_cast<double>(n), first / 10 * 1e6, last / 10 * 1e6);
}

SpawnOptions quiet() {
    static const bool limited = std::getenv("CP_BENCH_LIMITS") != nullptr;
    SpawnOptions o;
    o.stdio = StdioType::ignore;
    if (limited) o.limits = {{Resource::nofile, 1024, 1024}};
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    // CP_BENCH_TRACE=1: the run is recorded for a timeline page, as --trace=html does
    // (the peers that answer are not: the cost measured is the parent's).
    std::optional<timeline::Recording> recording;
    if (std::getenv("CP_BENCH_TRACE") && mode.find("child") == std::string::npos) recording.emplace();
    if (mode == "spawn") {
        holdResident(std::atol(argv[2]));
        const long count = std::atol(argv[3]);
        long done = 0;
        std::function<void()> next = [&] {
            spawn("/bin/true", {}, quiet())->onExit([&](auto, auto) {
                if (++done < count) next();
            });
        };
        double t0 = now();
        next();
        run();
        std::printf("%.1f\n", (now() - t0) / count * 1e6);
    } else if (mode == "inflight") {
        const long count = std::atol(argv[2]);
        long started = 0;
        std::function<void()> one = [&] {
            ++started;
            spawn("/bin/true", {}, quiet())->onExit([&](auto, auto) {
                if (started < count) one();
            });
        };
        double t0 = now();
        for (int i = 0; i < 32 && started < count; ++i) one();
        run();
        std::printf("%.0f\n", count / (now() - t0));
    } else if (mode == "scale") {
        scale(std::atol(argv[2]), std::atoi(argv[3]) != 0);
    } else if (mode == "throughput") {
        std::uint64_t total = 0;
        double t0 = now();
        SpawnOptions o;
        o.stdio = {StdioType::ignore, StdioType::pipe, StdioType::ignore};
        auto c = spawn(argv[2], {argv[3]}, o);
        c->stdoutPipe()->onData([&](std::string_view d) { total += d.size(); });
        run();
        std::printf("%.2f\n", static_cast<double>(total) / (now() - t0) / 1e9);
    } else if (mode == "capture" || mode == "capture-utf8") {
        ExecOptions o;
        o.maxBuffer = unlimited;
        o.encoding = mode == "capture" ? Encoding::buffer : Encoding::utf8;  // utf8: the default
        std::size_t got = 0;
        double t0 = now();
        execFile(argv[2], {argv[3]}, o, [&](const auto&, const std::string& out, const auto&) { got = out.size(); });
        run();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("%.1f %.1f\n", (now() - t0) * 1e3, static_cast<double>(ru.ru_maxrss) / 1024.0);
        if (got == 0) return 1;
    } else if (mode == "echo-child") {
        const long target = argc > 2 ? std::atol(argv[2]) : -1;
        long seen = 0;
        process::onMessage([&](const json& m, auto) {
            if (target < 0) process::send(m);
            else if (++seen == target) process::send("done");
        });
        run();
    } else if (mode == "adv-child") {
        advancedChild(argc > 2 ? std::atol(argv[2]) : -1);
    } else if (mode.rfind("adv-", 0) == 0) {
        advanced(mode, argc, argv);
    } else if (mode.rfind("ipc-", 0) == 0) {
        const long count = std::atol(argv[2]);
        const bool rt = mode == "ipc-rt";
        const bool paced = mode == "ipc-big-paced";
        const json msg =
            std::string(mode.rfind("ipc-big", 0) == 0 ? 65536 - 3 : 16 - 3, 'm');  // with quotes and \n: 16 B / 64 KiB
        std::vector<std::string> args{"echo-child"};
        if (!rt) args.push_back(std::to_string(count));
        auto c = forkPeer("/proc/self/exe", args, argc, argv, 3, {});
        long answered = 0, sent = 0, pausedAt = -1;
        double t0 = 0;
        std::function<void()> pump = [&] {
            while (sent < count) {
                const long n = ++sent;
                if (!c->send(msg, [&, n](const auto&) {
                        if (n == pausedAt) pump();
                    })) {
                    pausedAt = n;
                    return;
                }
            }
        };
        c->onMessage([&](const json&, auto) { answer(*c, rt, count, answered, t0, [&] { c->send(msg); }); });
        c->onSpawn([&] {
            t0 = now();
            if (rt) c->send(msg);
            else if (paced) pump();
            else
                for (long i = 0; i < count; ++i) c->send(msg);
        });
        run();
    } else {
        std::fprintf(stderr, "cp_bench: unknown mode '%s'\n", mode.c_str());
        return 2;
    }
    return 0;
}
