// SPDX-License-Identifier: MIT
// cwd, env, argv0, shell, detached, uid/gid, ref/unref and a caller's own loop.

#include <unistd.h>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

namespace {
std::string outputOf(const std::string& file, const std::vector<std::string>& args, SpawnOptions o = {}) {
    std::string out;
    auto c = spawn(file, args, std::move(o));
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    return out;
}
}  // namespace

TEST(Options, Cwd) {
    SpawnOptions o;
    o.cwd = "/tmp";
    EXPECT_EQ(outputOf(kHelper, {"cwd"}, o), "/tmp\n");
}

// Node's async spawn treats cwd '' as unset; the Sync calls hand it to chdir (SpawnSync.EmptyCwd).
TEST(Options, EmptyCwdIsOurs) {
    SpawnOptions o;
    o.cwd = "";
    char here[4096];
    ASSERT_NE(::getcwd(here, sizeof here), nullptr);
    EXPECT_EQ(outputOf(kHelper, {"cwd"}, o), std::string(here) + "\n");
}

TEST(Options, DefaultEnvIsOurs) {
    ::setenv("CHILDPROC_TEST_VAR", "inherited", 1);
    EXPECT_EQ(outputOf(kHelper, {"env", "CHILDPROC_TEST_VAR"}), "inherited\n");
    ::unsetenv("CHILDPROC_TEST_VAR");
}

TEST(Options, EnvReplacesTheWholeEnvironment) {
    ::setenv("CHILDPROC_TEST_VAR", "inherited", 1);
    SpawnOptions o;
    o.env = Env{{"ONLY", "this"}};
    EXPECT_EQ(outputOf(kHelper, {"env", "ONLY", "env", "CHILDPROC_TEST_VAR"}, o), "this\n<unset>\n");
    ::unsetenv("CHILDPROC_TEST_VAR");
}

TEST(Options, ProcessEnvEditedLikeNodeSpread) {
    SpawnOptions o;
    auto env = processEnv();
    env["EXTRA"] = "1";
    o.env = env;
    EXPECT_EQ(outputOf(kHelper, {"env", "EXTRA", "env", "PATH"}, o), "1\n" + std::string(::getenv("PATH")) + "\n");
}

TEST(Options, PathLookupUsesTheChildsPath) {
    // The helper's directory is only on the child's PATH, not ours.
    std::string dir = kHelper.substr(0, kHelper.rfind('/'));
    std::string name = kHelper.substr(kHelper.rfind('/') + 1);
    SpawnOptions o;
    o.env = Env{{"PATH", dir}};
    EXPECT_EQ(outputOf(name, {"out", "1", "found"}, o), "found");
}

TEST(Options, Argv0ReplacesArgvZeroOnly) {
    SpawnOptions o;
    o.argv0 = "custom-name";
    std::string out;
    auto c = spawn(kHelper, {"argv"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(out, "custom-name\nargv\n");
    EXPECT_EQ(c->spawnfile(), kHelper);
    EXPECT_EQ(c->spawnargs()[0], "custom-name");
}

TEST(Options, ShellTrueJoinsArgsUnquotedLikeNode) {
    SpawnOptions o;
    o.shell = true;
    std::string out;
    auto c = spawn("echo", {"a", "b  c", "$((1+2))"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(c->spawnfile(), "/bin/sh");
    EXPECT_EQ(c->spawnargs(), (std::vector<std::string>{"/bin/sh", "-c", "echo a b  c $((1+2))"}));
    EXPECT_EQ(out, "a b c 3\n");
}

TEST(Options, ShellPath) {
    SpawnOptions o;
    o.shell = std::string("/bin/bash");
    auto c = spawn("echo $BASH_VERSION | cut -c1", {}, o);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(c->spawnfile(), "/bin/bash");
    EXPECT_FALSE(out.empty());
    EXPECT_NE(out, "\n");
}

TEST(Options, ShellWithArgv0) {
    SpawnOptions o;
    o.shell = true;
    o.argv0 = "mysh";
    EXPECT_EQ(outputOf("echo $0", {}, o), "mysh\n");
}

TEST(Options, DetachedStartsANewSession) {
    SpawnOptions o;
    o.detached = true;
    std::string out = outputOf(kHelper, {"ids"}, o);
    int pid = 0, ppid = 0, pgid = 0, sid = 0;
    ASSERT_EQ(std::sscanf(out.c_str(), "%d %d %d %d", &pid, &ppid, &pgid, &sid), 4);
    EXPECT_EQ(sid, pid);
    EXPECT_EQ(pgid, pid);
    EXPECT_NE(sid, ::getsid(0));
}

TEST(Options, NotDetachedSharesOurSession) {
    std::string out = outputOf(kHelper, {"ids"});
    int pid = 0, ppid = 0, pgid = 0, sid = 0;
    ASSERT_EQ(std::sscanf(out.c_str(), "%d %d %d %d", &pid, &ppid, &pgid, &sid), 4);
    EXPECT_EQ(sid, ::getsid(0));
    EXPECT_EQ(ppid, ::getpid());
}

TEST(Options, UidAndGid) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to change ids";
    SKIP_UV_SPAWN_UNDER_TSAN();  // uid/gid take the uv_spawn backend
    SpawnOptions o;
    o.uid = 65534;
    o.gid = 65534;
    std::string out = outputOf(kHelper, {"ids"}, o);
    int a, b, c, d;
    unsigned uid = 0, gid = 0;
    ASSERT_EQ(std::sscanf(out.c_str(), "%d %d %d %d %u %u", &a, &b, &c, &d, &uid, &gid), 6);
    EXPECT_EQ(uid, 65534u);
    EXPECT_EQ(gid, 65534u);
}

TEST(Options, UidFailureThrowsEperm) {
    if (::geteuid() == 0) GTEST_SKIP() << "root may take any uid";
    SKIP_UV_SPAWN_UNDER_TSAN();  // uid/gid take the uv_spawn backend
    SpawnOptions o;
    o.uid = 0;
    try {
        spawn(kHelper, {"exit", "0"}, o);
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "EPERM");
    }
    test::runLoop();
}

TEST(Options, WindowsHideIsAccepted) {
    SpawnOptions o;
    o.windowsHide = true;
    EXPECT_EQ(outputOf(kHelper, {"out", "1", "ok"}, o), "ok");
}

TEST(Options, UnrefLetsTheLoopFinishFirst) {
    SpawnOptions o;
    o.stdio = StdioType::ignore;
    auto c = spawn(kHelper, {"sleep", "600000"}, o);
    c->unref();
    test::runLoop();  // had the child held the loop, this fails as hung
    EXPECT_FALSE(c->exitCode().has_value());
    c->ref();
    c->kill();
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGTERM");
}

TEST(Options, OwnLoop) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    SpawnOptions o;
    o.loop = &loop;
    std::string out;
    auto c = spawn(kHelper, {"out", "1", "mine"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    EXPECT_EQ(c->loop(), &loop);
    test::runLoop(test::kHangGuard, &loop);
    EXPECT_EQ(out, "mine");
    EXPECT_EQ(uv_loop_close(&loop), 0);  // every handle of ours is closed
}
