// SPDX-License-Identifier: MIT
// Limits set before the program starts (setrlimit, nice, no_new_privs) and the
// resources a child used (rusage at its reaping), on real processes: each limit
// is shown to bite, and each figure to be of the right order.

#include <sys/resource.h>

#include <fstream>
#include <string>

#include "support.hpp"

using namespace childproc;
using namespace std::chrono_literals;

namespace {

struct Run {
    std::string out;
    std::optional<int> code;
    std::optional<std::string> signal;
    std::optional<ResourceUsage> usage;
};

Run runToClose(const std::string& file, const std::vector<std::string>& args, SpawnOptions o) {
    Run r;
    auto child = spawn(file, args, std::move(o));
    child->stdoutPipe()->onData([&](std::string_view d) { r.out += d; });
    bool closed = false;
    child->onClose([&](std::optional<int> code, std::optional<std::string> sig) {
        r.code = code;
        r.signal = std::move(sig);
        r.usage = child->resourceUsage();
        closed = true;
    });
    test::runLoop();
    EXPECT_TRUE(closed);
    return r;
}

SpawnOptions withLimit(Resource res, std::uint64_t soft, std::uint64_t hard) {
    SpawnOptions o;
    o.limits = {{res, soft, hard}};
    return o;
}

std::uint64_t nrOpen() {
    std::uint64_t n = 0;
    std::ifstream("/proc/sys/fs/nr_open") >> n;
    return n;
}

}  // namespace

TEST(Limits, CpuSecondsEndABusyLoopWithSigxcpu) {
    auto r = runToClose("sh", {"-c", "while :; do :; done"}, withLimit(Resource::cpu, 1, 3));
    EXPECT_EQ(r.signal, "SIGXCPU");
    EXPECT_FALSE(r.code);
}

TEST(Limits, OpenFilesFailAtTheLimit) {
    auto r = runToClose("python3",
                        {"-c",
                         "import os\n"
                         "top = 0\n"
                         "try:\n"
                         "    while True: top = os.open('/dev/null', os.O_RDONLY)\n"
                         "except OSError as e: print(top, e.errno)\n"},
                        withLimit(Resource::nofile, 16, 16));
    EXPECT_EQ(r.out, "15 24\n");  // the highest fd is one below the limit, then EMFILE
}

TEST(Limits, AddressSpaceMakesALargeAllocationFail) {
    const char* grab =
        "try:\n    b = bytearray(1 << 30)\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')\n";
    EXPECT_EQ(runToClose("python3", {"-c", grab}, withLimit(Resource::as, 512u << 20, 512u << 20)).out,
              "MemoryError\n");
    EXPECT_EQ(runToClose("python3", {"-c", grab}, {}).out, "allocated\n");  // the same without the limit
}

TEST(Limits, AboveWhatTheKernelAllowsIsASpawnErrorNamingTheLimit) {
    // nr_open bounds nofile even for root, so this is refused whoever runs the suite.
    const auto tooMany = nrOpen() + 1;
    try {
        spawn("true", {}, withLimit(Resource::nofile, tooMany, tooMany));
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "EPERM");
        EXPECT_EQ(e.syscall, "spawn");
        EXPECT_NE(e.message().find("limit nofile=" + std::to_string(tooMany)), std::string::npos) << e.message();
    }
}

TEST(Limits, ASoftValueAboveTheHardOneIsRefusedBeforeAnyProcess) {
    EXPECT_EQ(test::thrownCode([] { spawn("true", {}, withLimit(Resource::nofile, 100, 10)); }), "ERR_OUT_OF_RANGE");
    SpawnOptions o;
    o.nice = 20;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_OUT_OF_RANGE");
}

TEST(Limits, TheParentsOwnLimitsAreUntouched) {
    struct rlimit before {
    }, after{};
    ::getrlimit(RLIMIT_NOFILE, &before);
    const int niceBefore = ::getpriority(PRIO_PROCESS, 0);
    SpawnOptions o = withLimit(Resource::nofile, 32, 64);
    o.nice = 7;
    auto r = runToClose("sh", {"-c", "ulimit -n; ulimit -Hn; nice"}, o);
    EXPECT_EQ(r.out, "32\n64\n7\n");
    ::getrlimit(RLIMIT_NOFILE, &after);
    EXPECT_EQ(after.rlim_cur, before.rlim_cur);
    EXPECT_EQ(after.rlim_max, before.rlim_max);
    EXPECT_EQ(::getpriority(PRIO_PROCESS, 0), niceBefore);
}

TEST(Limits, NoNewPrivilegesReachesTheProgram) {
    SpawnOptions o;
    o.noNewPrivileges = true;
    EXPECT_EQ(runToClose("grep", {"NoNewPrivs", "/proc/self/status"}, o).out, "NoNewPrivs:\t1\n");
    EXPECT_EQ(runToClose("grep", {"NoNewPrivs", "/proc/self/status"}, {}).out, "NoNewPrivs:\t0\n");
}

TEST(Limits, TheUvBackendRefusesThemClearly) {
    SpawnOptions o = withLimit(Resource::core, 0, 0);
    o.backend = Backend::uv;
    try {
        spawn("true", {}, o);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_INVALID_ARG_VALUE");
        EXPECT_NE(e.message().find("limits"), std::string::npos) << e.message();
    }
}

TEST(Limits, SyncAndExecCarryThem) {
    SpawnSyncOptions so;
    so.limits = {{Resource::nofile, 40, 40}};
    EXPECT_EQ(spawnSync("sh", {"-c", "ulimit -n"}, so).stdoutData, "40\n");
    ExecOptions eo;
    eo.limits = {{Resource::fsize, 4096, 4096}};
    bool done = false;
    std::optional<ExecError> err;
    execFile("sh", {"-c", "head -c 10000 /dev/zero > /dev/null; ulimit -f"}, eo,
             [&](const std::optional<ExecError>& e, const std::string& out, const std::string&) {
                 err = e;
                 EXPECT_EQ(out, "8\n");  // ulimit -f counts 512-byte blocks
                 done = true;
             });
    test::runLoop();
    EXPECT_TRUE(done);
    EXPECT_FALSE(err);
}

TEST(ResourceLimitText, ParsesPrlimitsSyntax) {
    const auto l = parseResourceLimit("nofile=512:1024");
    EXPECT_EQ(l.resource, Resource::nofile);
    EXPECT_EQ(l.soft, 512u);
    EXPECT_EQ(l.hard, 1024u);
    EXPECT_EQ(parseResourceLimit("core=0").hard, 0u);
    EXPECT_EQ(parseResourceLimit("as=unlimited").soft, kUnlimited);
    struct rlimit now {};
    ::getrlimit(RLIMIT_CORE, &now);  // a value left out is ours, as prlimit keeps it
    EXPECT_EQ(parseResourceLimit("core=:unlimited").soft, now.rlim_cur);
    for (const char* bad : {"nofile", "files=10", "nofile=ten", "nofile=20:10", "nofile=", "nofile=:"})
        EXPECT_EQ(test::thrownCode([&] { parseResourceLimit(bad); }), "ERR_INVALID_ARG_VALUE") << bad;
}

// A child that touches 64 MiB and burns about 0.3 s of CPU: the figures are of
// that order (not a timing: bounds a hundred times apart).
TEST(ResourceUsage, ComesFromTheKernelAtExit) {
    const char* work =
        "import time\n"
        "b = bytearray(64 << 20)\n"
        "for i in range(0, len(b), 4096): b[i] = 1\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\n";
    SpawnOptions o;
    o.backend = Backend::posixSpawn;
    auto r = runToClose("python3", {"-c", work}, o);
    ASSERT_TRUE(r.usage);
    EXPECT_GE(r.usage->maxRSS, 64u * 1024);
    EXPECT_LT(r.usage->maxRSS, 1024u * 1024);
    EXPECT_GE(r.usage->minorPageFault, 16384u);  // one per page touched, at least
    EXPECT_GE(r.usage->userCPUTime + r.usage->systemCPUTime, 250ms);
    EXPECT_LT(r.usage->userCPUTime + r.usage->systemCPUTime, 30s);
    EXPECT_GT(r.usage->voluntaryContextSwitches + r.usage->involuntaryContextSwitches, 0u);
}

// The CPU times are the child's alone: ours, spent just before, are not in them.
TEST(ResourceUsage, CpuTimesAreTheChildsNotOurs) {
    const auto burnUntil = std::chrono::steady_clock::now() + 300ms;
    while (std::chrono::steady_clock::now() < burnUntil) {
    }
    SpawnOptions o;
    o.backend = Backend::posixSpawn;
    auto r = runToClose("true", {}, o);
    ASSERT_TRUE(r.usage);
    EXPECT_LT(r.usage->userCPUTime + r.usage->systemCPUTime, 100ms);
}

// Linux gives a child the peak of the memory it starts in: exec keeps the largest
// resident set of the old address space, which a vforked (or forked) child
// shares with us. So maxRSS is about our own peak at the spawn, at least (README).
TEST(ResourceUsage, MaxRssStartsFromTheParentsPeak) {
    std::uint64_t ourPeak = 0;  // VmHWM: our address space's peak, in KiB
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) ourPeak = std::stoull(line.substr(6));
    ASSERT_GT(ourPeak, 0u);
    SpawnOptions o;
    o.backend = Backend::posixSpawn;
    auto r = runToClose("true", {}, o);
    ASSERT_TRUE(r.usage);
    EXPECT_GE(r.usage->maxRSS, ourPeak * 9 / 10);  // the kernel's RSS counters lag by a few pages per thread
}

TEST(ResourceUsage, InTheSyncAndExecResults) {
    SpawnSyncOptions so;
    so.backend = Backend::posixSpawn;
    auto r = spawnSync("true", {}, so);
    ASSERT_TRUE(r.resourceUsage);
    EXPECT_GT(r.resourceUsage->maxRSS, 0u);
    ExecOptions eo;
    eo.backend = Backend::posixSpawn;
    auto f = execFileAsync("true", {}, eo);
    const ExecResult got = runUntil(f);
    ASSERT_TRUE(got.resourceUsage);
    EXPECT_GT(got.resourceUsage->maxRSS, 0u);
    try {
        execFileSync("sh", {"-c", "exit 3"}, so);
        ADD_FAILURE() << "no error";
    } catch (const ExecError& e) {
        ASSERT_TRUE(e.resourceUsage);
        EXPECT_GT(e.resourceUsage->maxRSS, 0u);
    }
}

TEST(ResourceUsage, AbsentWithUvSpawnWhichDiscardsIt) {
    SKIP_UV_SPAWN_UNDER_TSAN();
    SpawnOptions o;
    o.backend = Backend::uv;
    auto r = runToClose("true", {}, o);
    EXPECT_EQ(r.code, 0);
    EXPECT_FALSE(r.usage);
}

TEST(ResourceUsage, TimeReportIsGnuTimesForm) {
    ResourceUsage u;
    u.userCPUTime = 1230ms;
    u.systemCPUTime = 40ms;
    u.maxRSS = 3456;
    u.minorPageFault = 150;
    u.majorPageFault = 2;
    EXPECT_EQ(formatTimeReport(u, 2540ms),
              "1.23user 0.04system 0:02.54elapsed 50%CPU (0avgtext+0avgdata 3456maxresident)k\n"
              "0inputs+0outputs (2major+150minor)pagefaults 0swaps\n");
}
