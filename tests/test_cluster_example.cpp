// SPDX-License-Identifier: MIT
// A whole cluster in another process: examples/cluster_http under each
// scheduling policy (200 connections, restart after SIGKILL, primary death,
// graceful SIGTERM), and Node's cluster with C++ workers and the reverse.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;

namespace {

const std::string kExample = CP_CLUSTER_EXAMPLE_PATH;
const std::string kWorker = CP_CLUSTER_WORKER_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kScripts = CP_NODE_SCRIPTS;

// A primary in a child process, its stdout collected.
struct Primary {
    ChildProcessPtr child;
    std::string out;
    std::optional<int> code;
    std::optional<std::string> signal;

    // passFd: given to the primary as its fd 3 (socket activation).
    Primary(const std::string& file, const std::vector<std::string>& args, std::optional<int> passFd = {}) {
        SpawnOptions o;
        std::vector<Stdio> stdio{StdioType::ignore, StdioType::pipe, 2};
        if (passFd) stdio.push_back(*passFd);
        o.stdio = stdio;
        child = spawn(file, args, o);
        child->stdoutPipe()->onData([this](std::string_view d) { out += d; });
        child->onExit([this](std::optional<int> c, std::optional<std::string> s) {
            code = c;
            signal = s;
        });
    }
    ~Primary() {
        if (!code && !signal) child->kill(SIGKILL);
        test::pumpUntil([this] { return code || signal; });
    }

    bool waitFor(const std::string& text) {
        return test::pumpUntil([&] { return out.find(text) != std::string::npos; });
    }
    int port() const {
        std::smatch m;
        return std::regex_search(out, m, std::regex("listening on port (\\d+)")) ? std::stoi(m[1]) : 0;
    }
    // Worker pids the example announced ("worker 1 (pid 123) listening ...").
    std::set<int> workerPids() const {
        std::set<int> pids;
        static const std::regex re("worker \\d+ \\(pid (\\d+)\\) listening");
        for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it)
            pids.insert(std::stoi((*it)[1]));
        return pids;
    }
    std::size_t count(const std::string& text) const {
        std::size_t n = 0;
        for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
        return n;
    }
};

// Run blocking client work on a thread while our loop keeps serving the primary's output.
template <class Fn>
auto whilePumping(Fn fn) {
    auto f = std::async(std::launch::async, std::move(fn));
    EXPECT_TRUE(test::pumpUntil([&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    return f.get();
}

// n requests from 4 client threads; answers counted by the pid in the body.
std::map<int, int> answersByPid(int port, int n, bool http) {
    return whilePumping([port, n, http] {
        std::vector<std::future<std::vector<std::string>>> clients;
        for (int t = 0; t < 4; ++t)
            clients.push_back(std::async(std::launch::async, [port, n, http] {
                std::vector<std::string> r;
                for (int i = 0; i < n / 4; ++i) r.push_back(http ? test::httpGet(port) : test::tcpFetch(port));
                return r;
            }));
        std::map<int, int> byPid;
        static const std::regex pidRe("(\\d+)\\n$");
        for (auto& c : clients)
            for (const auto& r : c.get()) {
                std::smatch m;
                ++byPid[std::regex_search(r, m, pidRe) ? std::stoi(m[1]) : -1];
            }
        return byPid;
    });
}

std::set<int> keys(const std::map<int, int>& m) {
    std::set<int> k;
    for (auto& [pid, n] : m) k.insert(pid);
    return k;
}

class ClusterExample : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ClusterExample, TwoHundredConnectionsAreAnsweredByBothWorkers) {
    Primary p(kExample, {"--workers", "2", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(p.waitFor("listening on port"));
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; }));
    auto byPid = answersByPid(p.port(), 200, true);
    EXPECT_EQ(keys(byPid), p.workerPids()) << "every answer comes from one of the two workers, and both answer";
    int total = 0;
    for (auto& [pid, n] : byPid) total += n;
    EXPECT_EQ(total, 200);
}

// One keep-alive connection: requests sent together are answered in turn, one split
// across writes is answered once whole, and "Connection: close" in any case and spacing
// gets the last answer and the end of the connection.
TEST_P(ClusterExample, KeepAliveAnswersEachRequestAndClosesWhenAsked) {
    Primary p(kExample, {"--workers", "1", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(p.waitFor("listening on port"));
    test::LoopbackSocket client(false);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(p.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(client.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const int fd = client.fd;
    const std::string reply = whilePumping([fd] {
        const std::string parts[] = {"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HT",
                                     "TP/1.1\r\nHost: x\r\n\r",
                                     "\nGET / HTTP/1.1\r\nCONNECTION:   Close\r\n\r\nGET / HTTP/1.1\r\n\r\n"};
        for (const std::string& part : parts) {
            if (::write(fd, part.data(), part.size()) != static_cast<ssize_t>(part.size())) return std::string();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
        return n == 0 ? out : std::string("no end of stream");  // the worker closed it
    });
    std::size_t answers = 0;
    for (auto at = reply.find("HTTP/1.1 200 OK"); at != std::string::npos; at = reply.find("HTTP/1.1 200 OK", at + 1))
        ++answers;
    EXPECT_EQ(answers, 4u) << reply;
    // Only the last answer says Connection: close.
    const auto close = reply.find("Connection: close");
    ASSERT_NE(close, std::string::npos) << reply;
    EXPECT_EQ(close, reply.rfind("Connection: close")) << reply;
    EXPECT_GT(close, reply.rfind("HTTP/1.1 200 OK")) << reply;
}

TEST_P(ClusterExample, SigkilledWorkerIsReplacedAndThePortKeepsAnswering) {
    Primary p(kExample, {"--workers", "2", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; }));
    const int victim = *p.workerPids().begin();
    ::kill(victim, SIGKILL);
    ASSERT_TRUE(p.waitFor("exited (SIGKILL), forking a replacement"));
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 3; }));
    auto byPid = answersByPid(p.port(), 40, true);
    EXPECT_EQ(byPid.count(victim), 0u);
    EXPECT_EQ(byPid.count(-1), 0u) << "no request went unanswered";
    std::set<int> alive = p.workerPids();
    alive.erase(victim);
    for (auto& [pid, n] : byPid) EXPECT_TRUE(alive.count(pid)) << pid;
}

TEST_P(ClusterExample, WorkersExitWhenTheirPrimaryDies) {
    Primary p(kExample, {"--workers", "2", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; }));
    p.child->kill(SIGKILL);
    ASSERT_TRUE(test::pumpUntil([&] { return p.signal.has_value(); }));
    for (int pid : p.workerPids()) EXPECT_TRUE(test::waitGone(pid)) << pid;
}

TEST_P(ClusterExample, SigtermStopsAcceptingAndFinishesRequestsInFlight) {
    Primary p(kExample, {"--workers", "2", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; }));
    const int port = p.port();
    // A request half sent when the signal comes.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    // A worker holds the connection once it has answered on it (a connection still
    // in the listen queue would be reset when the servers close).
    const std::string first = whilePumping([fd] {
        const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return std::string();
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string r;
        char buf[4096];
        ssize_t n;
        while (r.find("hello from") == std::string::npos || r.back() != '\n') {
            if ((n = ::read(fd, buf, sizeof buf)) <= 0) break;
            r.append(buf, static_cast<std::size_t>(n));
        }
        return r;
    });
    ASSERT_NE(first.find("hello from"), std::string::npos) << first;
    const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));

    p.child->kill(SIGTERM);
    ASSERT_TRUE(p.waitFor("shutting down"));
    // Workers close their servers as the primary's message reaches them; soon nobody accepts.
    bool refused = false;
    const auto until = std::chrono::steady_clock::now() + test::kHangGuard;
    while (!refused && std::chrono::steady_clock::now() < until) {
        refused = whilePumping([port] { return test::httpGet(port); }).empty();
        if (!refused) test::pumpUntil([] { return false; }, std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(refused) << "new connections are still accepted while shutting down";

    const std::string rest = "Connection: close\r\n\r\n";
    ASSERT_EQ(::write(fd, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
    const std::string reply = whilePumping([fd] {
        std::string r;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) r.append(buf, static_cast<std::size_t>(n));
        return r;
    });
    ::close(fd);
    EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
    EXPECT_NE(reply.find("hello from"), std::string::npos) << reply;
    ASSERT_TRUE(test::pumpUntil([&] { return p.code.has_value() || p.signal.has_value(); }));
    EXPECT_EQ(p.code, 0);
    EXPECT_EQ(p.count("exited (code 0)"), 2u) << p.out;
    EXPECT_NE(p.out.find("all workers are done"), std::string::npos);
}

// Requests from `clients` threads, one after another on each, until stopped:
// each answer's pid, or -1 for a refused, reset or empty one.
class ConstantLoad {
public:
    ConstantLoad(int port, int clients) {
        for (int t = 0; t < clients; ++t)
            threads_.push_back(std::async(std::launch::async, [this, port] {
                std::vector<int> pids;
                static const std::regex pidRe("hello from (\\d+)\\n$");
                while (!stop_) {
                    std::smatch m;
                    const std::string r = test::httpGet(port);
                    pids.push_back(std::regex_search(r, m, pidRe) ? std::stoi(m[1]) : -1);
                    done_ += 1;
                }
                return pids;
            }));
    }
    int done() const { return done_; }
    // Each client's answers, in order.
    std::vector<std::vector<int>> stop() {
        stop_ = true;
        std::vector<std::vector<int>> all;
        for (auto& t : threads_) {
            EXPECT_TRUE(
                test::pumpUntil([&] { return t.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
            all.push_back(t.get());
        }
        return all;
    }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> done_{0};
    std::vector<std::future<std::vector<int>>> threads_;
};

TEST_P(ClusterExample, SighupReloadsEveryWorkerUnderLoadWithoutDroppingARequest) {
    Primary p(kExample, {"--workers", "2", "--port", "0", "--policy", GetParam()});
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; }));
    const std::set<int> before = p.workerPids();
    ConstantLoad load(p.port(), 4);
    ASSERT_TRUE(test::pumpUntil([&] { return load.done() >= 200; }));
    const int atSighup = load.done();
    p.child->kill(SIGHUP);
    ASSERT_TRUE(p.waitFor("reloaded")) << p.out;
    const int atReloaded = load.done();
    ASSERT_TRUE(test::pumpUntil([&] { return load.done() >= atReloaded + 200; }));
    const auto answers = load.stop();

    std::set<int> after = p.workerPids();
    for (int pid : before) after.erase(pid);
    EXPECT_EQ(after.size(), 2u) << p.out;
    std::size_t total = 0, refused = 0;
    for (const auto& client : answers) {
        total += client.size();
        refused += static_cast<std::size_t>(std::count(client.begin(), client.end(), -1));
        // Each client's last answers come from the new workers only.
        ASSERT_GE(client.size(), 10u);
        for (auto it = client.end() - 10; it != client.end(); ++it) EXPECT_TRUE(after.count(*it)) << *it << p.out;
    }
    EXPECT_EQ(refused, 0u) << "a request was refused or dropped";
    EXPECT_EQ(p.count("exited (code 0)"), 2u) << "the old workers left gracefully\n" << p.out;
    for (int pid : before) EXPECT_TRUE(test::waitGone(pid)) << pid;
    std::cout << "[ reload/" << GetParam() << " ] " << total << " requests, " << atReloaded - atSighup
              << " during the reload, " << refused << " refused or dropped" << std::endl;
}

std::string environOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// systemd's socket activation, as systemd-socket-activate does it: a bound socket
// at fd 3, LISTEN_FDS=1 and LISTEN_PID set to the primary's pid.
TEST_P(ClusterExample, UnderSocketActivationTheWorkersServeOnThePassedSocket) {
    auto bound = std::make_unique<test::LoopbackSocket>(false);
    const int port = bound->port;  // held by us: binding it again would be EADDRINUSE
    Primary p("/bin/sh",
              {"-c", "LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=http exec \"$0\" \"$@\"", kExample, "--workers", "2",
               "--port", std::to_string(port), "--policy", GetParam()},
              bound->fd);
    bound.reset();
    ASSERT_TRUE(test::pumpUntil([&] { return p.workerPids().size() == 2; })) << p.out;
    EXPECT_EQ(p.port(), port);
    auto byPid = answersByPid(port, 40, true);
    EXPECT_EQ(byPid.count(-1), 0u) << "every request was answered";
    for (auto& [pid, n] : byPid) EXPECT_TRUE(p.workerPids().count(pid)) << pid;
    for (int pid : p.workerPids()) {
        const std::string env = environOf(pid);
        EXPECT_FALSE(env.empty());
        EXPECT_EQ(env.find("LISTEN_"), std::string::npos) << "the variables are cleared before forking";
    }
}

INSTANTIATE_TEST_SUITE_P(Policy, ClusterExample, ::testing::Values("rr", "none", "reuseport"));

// ---- Node's cluster on either side ---------------------------------------

class ClusterNodePrimary : public ::testing::TestWithParam<std::string> {};

TEST_P(ClusterNodePrimary, ServesThroughCppWorkersAndTheyExitWithIt) {
    Primary p(kNode, {kScripts + "/cluster_primary.js", kWorker, GetParam()});
    ASSERT_TRUE(p.waitFor("ready ")) << p.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(p.out, m, std::regex("ready (\\d+) (\\d+) (\\d+)")));
    const int port = std::stoi(m[1]);
    const std::set<int> pids{std::stoi(m[2]), std::stoi(m[3])};
    auto byPid = answersByPid(port, 200, false);
    EXPECT_EQ(keys(byPid), pids);
    p.child->kill(SIGKILL);
    ASSERT_TRUE(test::pumpUntil([&] { return p.signal.has_value(); }));
    for (int pid : pids) EXPECT_TRUE(test::waitGone(pid)) << pid;
}

INSTANTIATE_TEST_SUITE_P(Policy, ClusterNodePrimary, ::testing::Values("rr", "none"));

TEST(ClusterCppPrimary, ServesThroughNodeWorkersAndTalksToThem) {
    cluster::Settings s;
    s.execPath = kNode;
    s.exec = kScripts + "/cluster_worker.js";
    s.args = std::vector<std::string>{"0"};
    cluster::setupPrimary(s);
    std::vector<cluster::WorkerPtr> ws{cluster::fork(), cluster::fork()};
    int listening = 0, port = 0;
    std::vector<json> echoes;
    for (auto& w : ws) {
        w->onListening([&](const cluster::Address& a) {
            ++listening;
            port = a.port;
        });
        w->onMessage([&](const json& m, std::shared_ptr<ReceivedHandle>) { echoes.push_back(m); });
        w->onError([](const Error& e) { ADD_FAILURE() << e.code << ": " << e.what(); });
    }
    ASSERT_TRUE(test::pumpUntil([&] { return listening == 2; }));
    auto byPid = answersByPid(port, 200, false);
    EXPECT_EQ(keys(byPid), (std::set<int>{*ws[0]->process()->pid(), *ws[1]->process()->pid()}));
    ws[1]->send({{"hi", "from C++"}});
    ASSERT_TRUE(test::pumpUntil([&] { return !echoes.empty(); }));
    EXPECT_EQ(echoes[0], (json{{"echo", {{"hi", "from C++"}}}, {"id", ws[1]->id()}, {"node", true}}));
    int exited = 0;
    for (auto& w : ws) w->onExit([&](std::optional<int> c, std::optional<std::string>) { exited += c == 0; });
    bool done = false;
    cluster::disconnect([&] { done = true; });
    ASSERT_TRUE(test::pumpUntil([&] { return done; }));
    EXPECT_EQ(exited, 2) << "Node workers close their servers and exit 0 when the C++ primary disconnects them";
    s = {};
    s.execPath = "";
    cluster::setupPrimary(s);
    cluster::removeAllListeners();
}
