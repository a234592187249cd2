// SPDX-License-Identifier: MIT
// systemd's notify protocol against a test-owned NOTIFY_SOCKET that records every
// datagram: sd_notify's rules (path, abstract name, unset), the watchdog's
// variables, and a real `childproc cluster` telling its life (READY once both
// workers listen, RELOADING and READY around SIGHUP, STOPPING on SIGTERM,
// WATCHDOG while it runs).

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

#include "support.hpp"

using namespace childproc;

namespace {

const std::string kTool = CP_TOOL_PATH;

// What systemd would receive: a datagram socket bound to `name` ("@x": abstract).
class NotifySocket {
public:
    explicit NotifySocket(std::string name) : name_(std::move(name)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, name_.data(), name_.size());
        if (name_[0] == '@') addr.sun_path[0] = '\0';
        else ::unlink(name_.c_str());
        const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), size), 0) << std::strerror(errno);
    }
    ~NotifySocket() {
        ::close(fd_);
        if (name_[0] != '@') ::unlink(name_.c_str());
    }
    const std::string& name() const { return name_; }

    // Every datagram that came, in order (read so far).
    const std::vector<std::string>& received() {
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) >= 0;)
            got_.emplace_back(buf, static_cast<std::size_t>(n));
        return got_;
    }
    std::size_t count(const std::string& prefix) {
        std::size_t n = 0;
        for (const auto& d : received()) n += d.rfind(prefix, 0) == 0;
        return n;
    }

private:
    std::string name_;
    int fd_ = -1;
    std::vector<std::string> got_;
};

// The datagrams that are not WATCHDOG=1, in order.
std::vector<std::string> lifeOf(NotifySocket& s) {
    std::vector<std::string> life;
    for (const auto& d : s.received())
        if (d != "WATCHDOG=1") life.push_back(d);
    return life;
}

}  // namespace

TEST(Systemd, NotifySendsOneDatagramToAPathOrAnAbstractName) {
    NotifySocket path(test::tempPath("notify.sock"));
    ::setenv("NOTIFY_SOCKET", path.name().c_str(), 1);
    EXPECT_EQ(systemd::notify("READY=1\nSTATUS=up"), 1);
    EXPECT_EQ(path.received(), std::vector<std::string>{"READY=1\nSTATUS=up"});

    NotifySocket abstract("@childproc-test-" + std::to_string(::getpid()));
    ::setenv("NOTIFY_SOCKET", abstract.name().c_str(), 1);
    EXPECT_EQ(systemd::notify("STOPPING=1"), 1);
    EXPECT_EQ(abstract.received(), std::vector<std::string>{"STOPPING=1"});

    ::setenv("NOTIFY_SOCKET", "relative/path", 1);
    EXPECT_EQ(systemd::notify("READY=1"), -EINVAL);
    ::setenv("NOTIFY_SOCKET", (test::tempPath("nobody-listens")).c_str(), 1);
    EXPECT_LT(systemd::notify("READY=1"), 0);
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_EQ(systemd::notify("READY=1"), 0);  // not under systemd: nothing, no error
}

TEST(Systemd, TheWatchdogIsOursOnlyWhenItsPidIsOurs) {
    ::unsetenv("WATCHDOG_PID");
    ::setenv("WATCHDOG_USEC", "2000000", 1);
    EXPECT_EQ(systemd::watchdogInterval(), std::chrono::microseconds(2000000));
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    EXPECT_EQ(systemd::watchdogInterval(), std::chrono::microseconds(2000000));
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    EXPECT_EQ(systemd::watchdogInterval(), std::nullopt);
    ::unsetenv("WATCHDOG_PID");
    ::setenv("WATCHDOG_USEC", "soon", 1);
    EXPECT_EQ(systemd::watchdogInterval(), std::nullopt);
    ::unsetenv("WATCHDOG_USEC");
    EXPECT_EQ(systemd::watchdogInterval(), std::nullopt);
}

TEST(Systemd, ANotifierWithoutNotifySocketDoesNothing) {
    ::unsetenv("NOTIFY_SOCKET");
    const systemd::ClusterNotifier notifier;
    EXPECT_FALSE(notifier.active());
}

TEST(Systemd, TheClusterCommandTellsSystemdItsLife) {
    NotifySocket sock(test::tempPath("cluster-notify.sock"));
    SpawnOptions o;
    o.stdio = std::vector<Stdio>{StdioType::ignore, StdioType::pipe, 2};
    Env env = processEnv();
    env["NOTIFY_SOCKET"] = sock.name();
    env["WATCHDOG_USEC"] = "200000";  // WATCHDOG=1 every 100 ms
    env.erase("WATCHDOG_PID");
    o.env = env;
    auto child = spawn(kTool, {"cluster", "--workers", "2"}, o);
    std::string out;
    child->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    std::optional<int> code;
    child->onExit([&](std::optional<int> c, std::optional<std::string>) { code = c.value_or(-1); });

    ASSERT_TRUE(test::pumpUntil([&] { return sock.count("READY=1") == 1; })) << out;
    EXPECT_EQ(lifeOf(sock).front(), "READY=1\nSTATUS=2 of 2 workers listening");
    ASSERT_TRUE(test::pumpUntil([&] { return sock.count("WATCHDOG=1") >= 2; }));

    child->kill(SIGHUP);
    ASSERT_TRUE(test::pumpUntil([&] { return sock.count("READY=1") == 2; })) << out;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    child->kill(SIGTERM);
    ASSERT_TRUE(test::pumpUntil([&] { return code.has_value(); })) << out;
    EXPECT_EQ(code, 0);

    // READY, RELOADING (with the time it began), READY, STOPPING, and in between
    // only STATUS lines as workers come and go.
    std::vector<std::string> states;
    long long reloadingAt = -1;
    for (const auto& d : lifeOf(sock)) {
        if (d.rfind("STATUS=", 0) == 0) continue;
        states.push_back(d.substr(0, d.find('\n')));
        if (d.rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0) reloadingAt = std::atoll(d.c_str() + 27);
    }
    EXPECT_EQ(states, (std::vector<std::string>{"READY=1", "RELOADING=1", "READY=1", "STOPPING=1"}));
    const long long nowUs = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
    EXPECT_GT(reloadingAt, 0);
    EXPECT_LE(reloadingAt, nowUs);  // CLOCK_MONOTONIC, as systemd compares it
    EXPECT_GT(reloadingAt, nowUs - 60'000'000);
}
