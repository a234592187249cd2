// SPDX-License-Identifier: MIT
// The stdio option: pipe, inherit, ignore, an fd number, per-slot lists, extra pipes.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <future>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

using test::slurp;

TEST(Stdio, DefaultIsThreePipes) {
    auto c = spawn(kHelper, {"exit", "0"});
    EXPECT_EQ(c->stdioCount(), 3u);
    EXPECT_NE(c->stdinPipe(), nullptr);
    EXPECT_NE(c->stdoutPipe(), nullptr);
    EXPECT_NE(c->stderrPipe(), nullptr);
    test::runLoop();
}

TEST(Stdio, IgnoreGivesDevNullAndNoStreams) {
    SpawnOptions o;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::ignore};
    std::string out;
    auto c = spawn(kHelper, {"isdevnull", "2", "isdevnull", "1"}, o);
    EXPECT_EQ(c->stderrPipe(), nullptr);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(out, "yes\nno\n");
}

// /dev/null is opened in the parent: with our fd 1 closed it lands on fd 1, which the
// child's dup2 for slot 1 would overwrite before slot 2 copies it.
TEST(Stdio, IgnoreGivesDevNullWhenOurStdoutIsClosed) {
    const std::string path = test::tempPath("cp_stdio_closed_stdout.txt");
    const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(file, 0);
    SpawnOptions o;
    o.stdio = {StdioType::ignore, file, StdioType::ignore};
    spawn("true", {}, o);  // the loop's own fds are made while our fd 1 is there
    test::runLoop();
    std::fflush(stdout);
    const int saved = ::fcntl(1, F_DUPFD_CLOEXEC, 10);
    ASSERT_GE(saved, 0);
    ::close(1);
    auto c = spawn(kHelper, {"isdevnull", "0", "isdevnull", "2"}, o);
    test::runLoop();
    const bool stillClosed = ::fcntl(1, F_GETFD) < 0;  // nothing of ours was left on fd 1
    ::dup2(saved, 1);
    ::close(saved);
    ::close(file);
    EXPECT_TRUE(stillClosed);
    EXPECT_EQ(c->exitCode(), 0);
    EXPECT_EQ(slurp(path), "yes\nyes\n");
}

TEST(Stdio, IgnoreShorthand) {
    SpawnOptions o;
    o.stdio = StdioType::ignore;
    auto c = spawn(kHelper, {"exit", "0"}, o);
    EXPECT_EQ(c->stdinPipe(), nullptr);
    EXPECT_EQ(c->stdoutPipe(), nullptr);
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Stdio, FdNumberWritesIntoOurFile) {
    std::string path = test::tempPath("cp_stdio_fd.txt");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    SpawnOptions o;
    o.stdio = {StdioType::ignore, fd, StdioType::ignore};
    auto c = spawn(kHelper, {"out", "2", "to-file "}, o);
    test::runLoop();
    ::close(fd);
    EXPECT_EQ(slurp(path), "to-file to-file ");
}

TEST(Stdio, InheritSlotSharesOurFd) {
    // Point our own fd 2 at a file for the duration, and let the child inherit it.
    std::string path = test::tempPath("cp_stdio_inherit.txt");
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int saved = ::dup(2);
    ::dup2(file, 2);
    SpawnOptions o;
    o.stdio = {StdioType::ignore, StdioType::ignore, StdioType::inherit};
    auto c = spawn(kHelper, {"err", "1", "inherited"}, o);
    test::runLoop();
    ::dup2(saved, 2);
    ::close(saved);
    ::close(file);
    EXPECT_EQ(slurp(path), "inherited");
}

TEST(Stdio, ExtraPipesAtFd3And4) {
    SpawnOptions o;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::pipe};
    std::string three, four;
    auto c = spawn(kHelper, {"fdout", "3", "three", "fdout", "4", "four"}, o);
    ASSERT_EQ(c->stdioCount(), 5u);
    c->stdio(3)->onData([&](std::string_view d) { three += d; });
    c->stdio(4)->onData([&](std::string_view d) { four += d; });
    bool closed = false;
    c->onClose([&](auto, auto) { closed = true; });
    test::runLoop();
    EXPECT_EQ(three, "three");
    EXPECT_EQ(four, "four");
    EXPECT_TRUE(closed);
}

TEST(Stdio, ShortListIsPaddedWithPipes) {
    SpawnOptions o;
    o.stdio = {StdioType::ignore};
    auto c = spawn(kHelper, {"exit", "0"}, o);
    EXPECT_EQ(c->stdioCount(), 3u);
    EXPECT_EQ(c->stdinPipe(), nullptr);
    EXPECT_NE(c->stdoutPipe(), nullptr);
    test::runLoop();
}

TEST(Stdio, NegativeFdMeansPipeAsInNode) {
    SpawnOptions o;
    o.stdio = {-1, -1, -1};
    auto c = spawn(kHelper, {"exit", "0"}, o);
    EXPECT_NE(c->stdoutPipe(), nullptr);
    test::runLoop();
}

TEST(Stdio, IgnoredExtraSlotIsNotOpenInTheChild) {
    SpawnOptions o;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ignore};
    std::string out;
    auto c = spawn(kHelper, {"fds"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(out, "0\n1\n2\n");
}

TEST(Stdio, OnlyTheNamedFdsReachTheChild) {
    // A descriptor of ours opened with O_CLOEXEC never leaks into the child.
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    std::string out;
    auto c = spawn(kHelper, {"fds"});
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    ::close(fd);
    EXPECT_EQ(out, "0\n1\n2\n");
}

// A non-blocking fd given as a child's stdin reaches it blocking, on every backend,
// as libuv's child makes fds 0-2 (a blocking reader such as grep would get EAGAIN).
TEST(Stdio, InheritedStdioFdsAreBlockingInTheChild) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    SpawnOptions o;
    o.stdio = StdioOption{sv[1], StdioType::pipe, StdioType::pipe};
    auto c = spawn("sh", {"-c", "grep flags /proc/self/fdinfo/0"}, o);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    ::close(sv[0]);
    ::close(sv[1]);
    const auto at = out.find("flags:");
    ASSERT_NE(at, std::string::npos) << out;
    const long flags = std::strtol(out.c_str() + at + 6, nullptr, 8);
    EXPECT_EQ(flags & O_NONBLOCK, 0) << out << " (" << c->backend() << ")";
}

// Node: spawn('tr', ['a-z', 'A-Z'], {stdio: [a.stdout, 'pipe', 'inherit']}). The
// stream's fd becomes the child's, and the stream is paused here so that every
// byte goes to the child (Node 20 prints "HI\nTHERE\n" and a.stdout.isPaused()).
TEST(Stdio, AnotherChildsStreamAsStdin) {
    auto a = spawn("sh", {"-c", "echo hi; sleep 0.2; echo there"});
    std::string stolen;
    a->stdoutPipe()->onData([&](std::string_view d) { stolen += d; });  // flowing before the hand-over
    SpawnOptions o;
    o.stdio = {*a->stdoutPipe(), StdioType::pipe, StdioType::inherit};
    auto b = spawn("tr", {"a-z", "A-Z"}, o);
    EXPECT_TRUE(a->stdoutPipe()->isPaused());
    std::string got;
    b->stdoutPipe()->onData([&](std::string_view d) { got += d; });
    std::optional<int> bCode;
    b->onClose([&](std::optional<int> code, auto) { bCode = code; });
    ASSERT_TRUE(test::pumpUntil([&] { return bCode.has_value(); }));
    EXPECT_EQ(got, "HI\nTHERE\n");
    EXPECT_EQ(stolen, "");
    EXPECT_EQ(bCode, 0);
    a->stdoutPipe()->destroy();  // ours to close, as in Node
    test::runLoop();
}

// A connection as a child's stdout: the child writes to the peer directly.
TEST(Stdio, ASocketAsStdout) {
    std::string reply;
    auto server = net::createServer([&](std::shared_ptr<net::Socket> s) {
        SpawnOptions o;
        o.stdio = {StdioType::ignore, *s, StdioType::inherit};
        spawn(kHelper, {"out", "1", "from the child\n"}, o)->onExit([s](auto, auto) { s->destroy(); });
    });
    int port = 0;
    server->listen(0, "127.0.0.1", [&] { port = server->address()->port; });
    ASSERT_TRUE(test::pumpUntil([&] { return port != 0; }));
    auto fetched = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    ASSERT_TRUE(
        test::pumpUntil([&] { return fetched.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
    EXPECT_EQ(fetched.get(), "from the child\n");
    server->close();
    test::runLoop();
}

TEST(Stdio, AClosedStreamIsRefused) {
    auto a = spawn(kHelper, {"exit", "0"});
    a->stdoutPipe()->destroy();
    SpawnOptions o;
    o.stdio = {*a->stdoutPipe()};
    EXPECT_EQ(test::thrownCode([&] { spawn(kHelper, {"exit", "0"}, o); }), "ERR_INVALID_ARG_VALUE");
    test::runLoop();
}
