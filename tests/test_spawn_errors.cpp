// SPDX-License-Identifier: MIT
// Spawn failures: the 'error' event for ENOENT/EACCES with Node's fields, sync
// throws for the rest, and argument validation with Node's codes.

#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <fstream>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

TEST(SpawnErrors, MissingProgramGivesErrorThenCloseWithNegativeErrno) {
    test::Recorder r;
    std::optional<int> closeCode;
    auto c = spawn("no-such-program-xyz", {"a", "b"});
    r.attach(*c);
    c->onClose([&](auto code, auto) { closeCode = code; });
    EXPECT_FALSE(c->pid().has_value());
    test::runLoop();
    EXPECT_EQ(r.events, (std::vector<std::string>{"error", "close"}));
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->errnum, UV_ENOENT);
    EXPECT_EQ(r.error->syscall, "spawn no-such-program-xyz");
    EXPECT_EQ(r.error->path, "no-such-program-xyz");
    EXPECT_EQ(r.error->spawnargs, (std::vector<std::string>{"a", "b"}));
    EXPECT_STREQ(r.error->what(), "spawn no-such-program-xyz ENOENT");
    EXPECT_EQ(closeCode, UV_ENOENT);
    EXPECT_EQ(c->exitCode(), UV_ENOENT);
}

TEST(SpawnErrors, NotExecutableGivesEacces) {
    std::string path = test::tempPath("cp_not_exec.sh");
    std::ofstream(path) << "#!/bin/sh\necho hi\n";
    ::chmod(path.c_str(), 0644);
    test::Recorder r;
    auto c = spawn(path);
    r.attach(*c);
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "EACCES");
    EXPECT_EQ(r.error->path, path);
}

TEST(SpawnErrors, MissingCwdIsBlamedOnTheCwdNotTheProgram) {
    test::Recorder r;
    SpawnOptions o;
    o.cwd = "/no/such/dir";
    auto c = spawn(kHelper, {"cwd"}, o);
    r.attach(*c);
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->path, "/no/such/dir");
    EXPECT_NE(std::string(r.error->what()).find("/no/such/dir"), std::string::npos);
}

TEST(SpawnErrors, CwdThatIsAFileThrowsEnotdir) {
    SpawnOptions o;
    o.cwd = kHelper;
    try {
        spawn(kHelper, {"cwd"}, o);
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ENOTDIR");
        EXPECT_EQ(e.syscall, "spawn");
    }
    test::runLoop();  // the half-made handles close
}

TEST(SpawnErrors, ValidationThrowsNodeCodes) {
    EXPECT_EQ(test::thrownCode([] { spawn(""); }), "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] { spawn(std::string("a\0b", 3)); }), "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] { spawn("ls", {std::string("x\0y", 3)}); }), "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] {
                  SpawnOptions o;
                  o.cwd = std::string("/\0", 2);
                  spawn("ls", {}, o);
              }),
              "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] {
                  SpawnOptions o;
                  o.env = Env{{"K", std::string("v\0", 2)}};
                  spawn("ls", {}, o);
              }),
              "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] {
                  SpawnOptions o;
                  o.timeout = std::chrono::milliseconds(-1);
                  spawn("ls", {}, o);
              }),
              "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([] {
                  SpawnOptions o;
                  o.stdio = StdioType::fd;
                  spawn("ls", {}, o);
              }),
              "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(test::thrownCode([] {
                  SpawnOptions o;
                  o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ipc, StdioType::ipc};
                  spawn("ls", {}, o);
              }),
              "ERR_IPC_ONE_PIPE");
    EXPECT_EQ(test::thrownCode([] { Signal s("SIGNOPE"); }), "ERR_UNKNOWN_SIGNAL");
    EXPECT_EQ(test::thrownCode([] { Signal s(999); }), "ERR_UNKNOWN_SIGNAL");
}

TEST(SpawnErrors, ErrorMessageShowsTheNulByte) {
    try {
        spawn("ls", {std::string("a\0b", 3)});
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "The argument 'args[0]' must be a string without null bytes. Received 'a\\x00b'");
    }
}

// Node's rule: an 'error' nobody listens to is thrown, here from run(); the child
// is still consistent and the loop runs on to its 'close'.
TEST(SpawnErrors, AnErrorWithNoListenerIsThrownFromRun) {
    std::optional<int> closedWith;
    auto c = spawn("no-such-program-xyz");
    c->onClose([&](std::optional<int> code, auto) { closedWith = code; });
    try {
        childproc::run();
        FAIL() << "run() returned although nobody listened to 'error'";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ENOENT");
        EXPECT_EQ(e.syscall, "spawn no-such-program-xyz");
        EXPECT_EQ(e.path, "no-such-program-xyz");
    }
    test::runLoop();
    EXPECT_EQ(closedWith, -2);
}

// execvp's rule, as Node's children (libuv) follow it: an executable script without
// "#!" runs through /bin/sh, async and Sync, on every backend.
TEST(SpawnErrors, AScriptWithoutShebangRunsThroughBinSh) {
    const std::string script = test::tempPath("no-shebang.sh");
    {
        std::FILE* f = std::fopen(script.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("echo \"sh ran $0 with $1\"\n", f);
        std::fclose(f);
    }
    ::chmod(script.c_str(), 0755);
    std::string out;
    auto c = spawn(script, {"arg1"});
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
    EXPECT_EQ(out, "sh ran " + script + " with arg1\n");
    auto r = spawnSync(script, {"arg2"});
    EXPECT_FALSE(r.error) << r.error->what();
    EXPECT_EQ(r.stdoutData, "sh ran " + script + " with arg2\n");
    ::unlink(script.c_str());
}
