// SPDX-License-Identifier: MIT
// Coroutines: co_await exec/execFile, a pipeline, a child's 'close', IPC messages
// and send completions, on both sides of the channel; errors thrown into the
// awaiting coroutine; unhandled rejections thrown from run().

#include <stop_token>
#include <thread>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kChild = CP_IPC_CHILD_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kScripts = CP_NODE_SCRIPTS;

// runUntil, with the suite's guard against a hung loop.
template <class T>
T await(Promise<T> p) {
    static bool expired;
    expired = false;
    uv_timer_t guard;
    uv_timer_init(defaultLoop(), &guard);
    uv_timer_start(
        &guard, [](uv_timer_t*) { expired = true; }, 20000, 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&guard));
    const test::ClosesTimer closer{&guard};
    while (!p.settled()) {
        if (expired) throw std::runtime_error("the promise did not settle within 20 s");
        if (!runOnce() && !p.settled()) throw std::runtime_error("the loop ran dry before the promise settled");
    }
    return p.take();
}

}  // namespace

TEST(Await, ExecGivesStdoutAndStderr) {
    auto run = []() -> Promise<ExecResult> { co_return co_await exec("echo out; echo err >&2"); };
    const ExecResult r = await(run());
    EXPECT_EQ(r.stdoutData, "out\n");
    EXPECT_EQ(r.stderrData, "err\n");
    ASSERT_TRUE(r.child);
    EXPECT_EQ(r.child->exitCode(), 0);
}

TEST(Await, TheChildIsBesideThePromiseAsNodesPromiseChild) {
    ExecPromise p = execFile(test::kHelper, {"out", "1", "x"});
    ASSERT_TRUE(p.child);
    EXPECT_TRUE(p.child->pid().has_value());
    EXPECT_EQ(await(std::move(p)).stdoutData, "x");
}

TEST(Await, AFailedCommandThrowsExecErrorIntoTheCoroutine) {
    auto run = []() -> Promise<std::string> {
        try {
            // Named first: GCC 12 rejects a braced list inside co_await's operand (README, Gotchas).
            auto failing = execFile(test::kHelper, {"err", "1", "bad", "exit", "3"});
            co_await std::move(failing);
        } catch (const ExecError& e) {
            co_return "code " + std::to_string(e.exitCode.value_or(-1)) + " stderr " + e.stderrData;
        }
        co_return "no exception";
    };
    EXPECT_EQ(await(run()), "code 3 stderr bad");
}

TEST(Await, AnExceptionNobodyCatchesComesOutOfRunUntil) {
    auto run = []() -> Promise<> { co_await exec("exit 4"); };
    try {
        await(run());
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.exitCode, 4);
        EXPECT_EQ(e.cmd, "exit 4");
    }
}

TEST(Await, ATimeoutKillsAndThrows) {
    ExecOptions o;
    o.timeout = 100ms;
    auto run = [&]() -> Promise<ExecError> {
        try {
            auto sleeper = execFile(test::kHelper, {"sleep", "10000"}, o);
            co_await std::move(sleeper);
        } catch (const ExecError& e) {
            co_return e;
        }
        throw std::runtime_error("no timeout");
    };
    const ExecError e = await(run());
    EXPECT_TRUE(e.killed);
    EXPECT_EQ(e.signal, "SIGTERM");
}

TEST(Await, AStopTokenCancelsAsAnAbortSignal) {
    std::stop_source src;
    ExecOptions o;
    o.signal = src.get_token();
    std::thread t([&] {
        std::this_thread::sleep_for(50ms);
        src.request_stop();
    });
    std::string name;
    try {
        await(execFile(test::kHelper, {"sleep", "10000"}, o));
    } catch (const ExecError& e) {
        name = e.name;
    }
    t.join();
    EXPECT_EQ(name, "AbortError");
}

TEST(Await, ClosedGivesCodeAndSignal) {
    auto run = []() -> Promise<std::vector<ExitStatus>> {
        auto a = spawn(test::kHelper, {"exit", "7"});
        auto b = spawn(test::kHelper, {"sleep", "10000"});
        b->kill(SIGKILL);
        std::vector<ExitStatus> got;
        got.push_back(co_await a->closed());
        got.push_back(co_await b->closed());
        got.push_back(co_await a->closed());  // after 'close': at once, the same
        co_return got;
    };
    const auto got = await(run());
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], (ExitStatus{7, std::nullopt}));
    EXPECT_EQ(got[1], (ExitStatus{std::nullopt, "SIGKILL"}));
    EXPECT_EQ(got[2], got[0]);
}

TEST(Await, ClosedThrowsTheErrorThatComesFirst) {
    auto run = []() -> Promise<std::string> {
        try {
            co_await spawn("no-such-program-xyz")->closed();
        } catch (const Error& e) {
            co_return e.code + " " + e.syscall;
        }
        co_return "no exception";
    };
    EXPECT_EQ(await(run()), "ENOENT spawn no-such-program-xyz");
}

TEST(Await, APipeline) {
    auto run = []() -> Promise<PipelineResult> {
        auto p = execPipeline({{"printf", {"b\\na\\nb\\n"}}, {"sort", {"-u"}}, {"wc", {"-l"}}});
        co_return co_await std::move(p);
    };
    const PipelineResult r = await(run());
    EXPECT_EQ(r.stdoutData, "2\n");
    ASSERT_EQ(r.stages.size(), 3u);
    for (const auto& s : r.stages) EXPECT_TRUE(s.ok()) << s.cmd;
}

TEST(Await, AFailingPipelineThrowsAsPipefail) {
    std::string what;
    try {
        await(execPipeline({{"sh", {"-c", "echo x; exit 2"}}, {"cat", {}}}));
    } catch (const ExecError& e) {
        what = std::to_string(e.exitCode.value_or(-1));
    }
    EXPECT_EQ(what, "2");
}

TEST(Await, MessagesAndSendsOfAForkedChild) {
    auto run = []() -> Promise<std::vector<json>> {
        auto c = fork(kChild, {});
        std::vector<json> replies;
        for (int i = 0; i < 3; ++i) {
            const json m = {{"n", i}};
            co_await c->sendAsync(m);
            replies.push_back((co_await c->nextMessage()).message["echo"]);
        }
        c->disconnect();
        co_await c->closed();
        co_return replies;
    };
    EXPECT_EQ(await(run()), (std::vector<json>{{{"n", 0}}, {{"n", 1}}, {{"n", 2}}}));
}

TEST(Await, NoMessageIsMissedBetweenAwaitsAndTheCloseEndsTheLoop) {
    // 200 messages come in a burst, faster than one await each.
    auto run = []() -> Promise<std::pair<std::vector<int>, std::string>> {
        auto c = fork(kChild, {"burst", "200"});
        std::vector<int> got;
        try {
            for (;;) {
                IncomingMessage m = co_await c->nextMessage();
                got.push_back(m.message["i"]);
                if (got.size() % 50 == 0) co_await exec("true");  // other awaits in between
            }
        } catch (const Error& e) {
            co_return std::pair{got, e.code};
        }
    };
    auto [got, code] = await(run());
    ASSERT_EQ(got.size(), 200u);
    for (int i = 0; i < 200; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(code, "ERR_IPC_CHANNEL_CLOSED");
}

TEST(Await, ACppChildAwaitsItsMessages) {
    auto run = []() -> Promise<std::vector<json>> {
        ForkOptions fo;
        fo.stdio = StdioOption{StdioType::pipe, StdioType::pipe, StdioType::inherit, StdioType::ipc};
        auto c = fork(kChild, {"await-echo"}, fo);
        std::string out;
        c->stdoutPipe()->onData([&out](std::string_view d) { out += d; });
        std::vector<json> got;
        for (int i = 0; i < 3; ++i) {
            c->send({{"k", i}});
            got.push_back((co_await c->nextMessage()).message);
        }
        c->disconnect();
        const ExitStatus st = co_await c->closed();
        got.push_back(out);
        got.push_back(st.code.value_or(-1));
        co_return got;
    };
    const auto got = await(run());
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[0], (json{{"awaited", {{"k", 0}}}, {"n", 1}}));
    EXPECT_EQ(got[2], (json{{"awaited", {{"k", 2}}}, {"n", 3}}));
    EXPECT_EQ(got[3], "ended by ERR_IPC_CHANNEL_CLOSED after 3\n");
    EXPECT_EQ(got[4], 0);
}

TEST(Await, ANodeChildAnswersAnAwaitedMessage) {
    auto run = []() -> Promise<json> {
        ForkOptions o;
        o.execPath = kNode;
        auto c = fork(kScripts + "/echo_child.js", {}, o);
        const json hello = {{"from", "c++"}};
        co_await c->sendAsync(hello);
        IncomingMessage m = co_await c->nextMessage();
        c->disconnect();
        co_await c->closed();
        co_return m.message;
    };
    const json m = await(run());
    EXPECT_EQ(m["echo"], (json{{"from", "c++"}}));
}

TEST(Await, NextMessageWithoutAChannelThrows) {
    auto c = spawn(test::kHelper, {"exit", "0"});
    EXPECT_EQ(test::thrownCode([&] { await(c->nextMessage()); }), "ERR_IPC_CHANNEL_CLOSED");
    EXPECT_EQ(test::thrownCode([&] { await(c->sendAsync(json(1))); }), "ERR_IPC_CHANNEL_CLOSED");
    test::runLoop();
}

TEST(Await, ExceptionsPassThroughNestedCoroutines) {
    auto inner = []() -> Promise<int> {
        co_await exec("true");
        throw Error("inner failed", "ERR_TEST");
    };
    auto outer = [&]() -> Promise<std::string> {
        try {
            co_await inner();
        } catch (const Error& e) {
            co_return e.code;
        }
        co_return "no exception";
    };
    EXPECT_EQ(await(outer()), "ERR_TEST");
}

TEST(Await, SeveralAtOnceAsPromiseAll) {
    auto run = []() -> Promise<std::string> {
        auto a = execFile(test::kHelper, {"sleep", "100", "out", "1", "a"});
        auto b = execFile(test::kHelper, {"out", "1", "b"});
        auto c = exec("printf c");
        std::string all = (co_await std::move(a)).stdoutData;
        all += (co_await std::move(b)).stdoutData;
        all += (co_await std::move(c)).stdoutData;
        co_return all;
    };
    EXPECT_EQ(await(run()), "abc");
}

TEST(Await, ARejectionNobodyAwaitsIsThrownFromRun) {
    // As Node's unhandled rejection: not lost, though nobody holds the promise.
    [&]() -> Promise<> { co_await exec("exit 9"); }();
    std::string code = "no exception";
    try {
        test::runLoop();
    } catch (const ExecError& e) {
        code = std::to_string(e.exitCode.value_or(-1));
    }
    EXPECT_EQ(code, "9");
    test::runLoop();
}

TEST(Await, OnALoopOfYourOwn) {
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    auto run = [](uv_loop_t* l) -> Promise<std::string> {
        ExecOptions o;
        o.loop = l;
        co_return (co_await exec("echo own loop", o)).stdoutData;
    };
    EXPECT_EQ(runUntil(run(&loop), &loop), "own loop\n");
    while (uv_run(&loop, UV_RUN_DEFAULT) != 0) {
    }
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(Await, AMoveOnlyValueAndAValueCopiedToEveryAwaiter) {
    auto [p, r] = Promise<std::unique_ptr<int>>::withResolvers();
    auto [q, s] = Promise<std::string>::withResolvers();
    auto first = [](Promise<std::string> x) -> Promise<std::string> { co_return co_await x; };
    auto a = first(q);
    auto b = first(q);  // two awaiters of one promise, as JavaScript allows
    r.resolve(std::make_unique<int>(7));
    s.resolve(std::string(1000, 'z'));
    EXPECT_EQ(*runUntil(std::move(p)), 7);
    EXPECT_EQ(runUntil(std::move(a)).size(), 1000u);
    EXPECT_EQ(runUntil(std::move(b)).size(), 1000u);
}

TEST(Await, RunUntilAPromiseNothingWillSettleIsADeadlockError) {
    auto [pending, r] = Promise<int>::withResolvers();
    Promise<int>& p = pending;  // a structured binding cannot be captured before clang 16
    EXPECT_EQ(test::thrownCode([&] { p.take(); }), "ERR_CHILDPROC_NOT_SETTLED");
    EXPECT_EQ(test::thrownCode([&] { runUntil(p); }), "ERR_CHILDPROC_DEADLOCK");
    r.resolve(5);
    EXPECT_EQ(runUntil(p), 5);
}
