// SPDX-License-Identifier: MIT
// Interop with the real node: the same channel, Node on the other end, both ways.

#include <algorithm>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;

namespace {
const std::string kChild = CP_IPC_CHILD_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kNodeDir = CP_NODE_SCRIPTS;

ChildProcessPtr forkNode() {
    ForkOptions o;
    o.execPath = kNode;
    return fork(kNodeDir + "/echo_child.js", {}, o);
}

// Runs the Node parent script against our C++ child; returns its JSON line.
json nodeParent(const std::string& how) {
    SpawnSyncOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::pipe, StdioType::pipe};
    o.timeout = std::chrono::seconds(60);
    auto r = spawnSync(kNode, {kNodeDir + "/parent_of_cpp.js", kChild, how}, o);
    EXPECT_EQ(r.status, 0) << r.stderrData.value_or("") << r.stdoutData.value_or("");
    auto out = r.stdoutData.value_or("");
    return json::parse(out.substr(0, out.find('\n')), nullptr, false);
}
}  // namespace

TEST(IpcNode, CppParentNodeChildBothWaysInOrder) {
    auto c = forkNode();
    const std::string text = "héllo €𝄞 \u2028 ünïcödé";
    const std::string big(1024 * 1024, 'z');
    std::vector<json> got;
    bool disconnected = false;
    c->onDisconnect([&] { disconnected = true; });
    c->onMessage([&](const json& m, auto) {
        got.push_back(m["echo"]);
        if (got.size() == 10002) c->send("disconnect");
    });
    c->send({{"text", text}});
    c->send({{"big", big}});
    for (int i = 0; i < 10000; ++i) c->send(i);
    test::runLoop(std::chrono::seconds(60));
    ASSERT_EQ(got.size(), 10002u);
    EXPECT_EQ(got[0]["text"], text);
    EXPECT_TRUE(got[1]["big"] == big);
    for (int i = 0; i < 10000; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i) + 2], i);
    EXPECT_TRUE(disconnected);
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(IpcNode, NodeChildBurstThenItDisconnects) {
    auto c = forkNode();
    long n = 0;
    bool inOrder = true;
    c->onMessage([&](const json& m, auto) {
        inOrder = inOrder && m["i"] == n && m["text"] == "héllo €𝄞";
        ++n;
    });
    bool disconnected = false;
    c->onDisconnect([&] { disconnected = true; });
    c->send("burst");
    test::runLoop(std::chrono::seconds(60));
    EXPECT_EQ(n, 10000);
    EXPECT_TRUE(inOrder);
    EXPECT_TRUE(disconnected);
}

TEST(IpcNode, CppParentDisconnectEndsTheNodeChild) {
    auto c = forkNode();
    c->onSpawn([&] { c->disconnect(); });
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);  // a Node child whose channel closed has nothing left to do
}

TEST(IpcNode, NodeForkWithExecPathDrivesCppChild) { EXPECT_EQ(nodeParent("fork")["ok"], true); }
TEST(IpcNode, NodeSpawnWithIpcDrivesCppChild) { EXPECT_EQ(nodeParent("spawn")["ok"], true); }
TEST(IpcNode, CppChildBurstToNodeParent) { EXPECT_EQ(nodeParent("burst")["ok"], true); }
TEST(IpcNode, NodeParentSendsServerToCppChild) { EXPECT_EQ(nodeParent("handles")["ok"], true); }
TEST(IpcNode, NodeParentSendsSocketToCppChild) { EXPECT_EQ(nodeParent("socket")["ok"], true); }
TEST(IpcNode, CppChildSendsServerToNodeParent) { EXPECT_EQ(nodeParent("offer-server")["ok"], true); }

TEST(IpcNode, WireBytesAreNodesExactly) {
    // What our encoder puts on the wire for Node's documented examples.
    SpawnSyncOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::pipe, StdioType::pipe};
    auto r = spawnSync(kNode,
                       {"-e",
                        "const {spawn}=require('child_process');"
                        "const c=spawn(process.argv[1],['echo'],{stdio:['ignore','ignore','inherit','ipc']});"
                        "c.on('message',m=>{process.stdout.write(JSON.stringify(m)+'\\n');c.send('disconnect');});"
                        "c.send({hello:'world',nl:'a\\nb',u2028:'\\u2028',n:1.5,t:true,z:null});",
                        kChild},
                       o);
    ASSERT_EQ(r.status, 0) << r.stderrData.value_or("");
    auto m = json::parse(r.stdoutData.value_or("{}"));
    EXPECT_EQ(m["echo"]["hello"], "world");
    EXPECT_EQ(m["echo"]["nl"], "a\nb");
    EXPECT_EQ(m["echo"]["u2028"], "\u2028");
    EXPECT_EQ(m["echo"]["n"], 1.5);
    EXPECT_EQ(m["echo"]["t"], true);
    EXPECT_TRUE(m["echo"]["z"].is_null());
}

// serialization 'advanced' both ways: what JSON cannot carry arrives as itself.
TEST(IpcNode, AdvancedSerializationNodeParentCppChild) { EXPECT_EQ(nodeParent("advanced")["ok"], true); }

// Node's test-child-process-advanced-serialization-largebuffer.js, line by line: a
// Node child sends four 8 MiB Uint8Arrays; each arrives whole (nodejs/node#34797).
TEST(IpcNode, AdvancedSerializationLargeBuffer) {
    const std::size_t eightMB = 8 * 1024 * 1024;
    SpawnOptions o;
    o.stdio = StdioOption{StdioType::inherit, StdioType::inherit, StdioType::inherit, StdioType::ipc};
    o.serialization = Serialization::advanced;
    auto child = spawn(kNode, {kNodeDir + "/large_buffers_child.js"}, o);
    std::vector<int> received;
    child->onMessageValue([&](const Value& chunk, auto) {
        const Bytes& b = chunk.as<Bytes>();
        EXPECT_EQ(b.kind, Bytes::Kind::uint8Array);
        EXPECT_EQ(b.data, std::string(eightMB, b.data.at(0)));
        received.push_back(b.data.at(0));
    });
    bool exited = false;
    child->onExit([&](auto, auto) {
        std::sort(received.begin(), received.end());
        EXPECT_EQ(received, (std::vector<int>{0, 1, 2, 3}));
        exited = true;
    });
    test::runLoop();
    EXPECT_TRUE(exited);
}

TEST(IpcNode, AdvancedSerializationCppParentNodeChild) {
    ForkOptions o;
    o.execPath = kNode;
    o.serialization = Serialization::advanced;
    auto c = fork(kNodeDir + "/advanced_child.js", {}, o);
    auto m = std::make_shared<Object>(Object{
        {"buf", Bytes{std::string("\0\1\2\xFF", 4), Bytes::Kind::buffer}},
        {"date", Date{86400000}},
        {"re", RegExp{"a+b", "gi"}},
        {"map", Map{{1, "one"}, {"k", Array{1, 2}}}},
        {"set", Set{"x", 3}},
        {"bigint", BigInt::of(-1234567890123)},
        {"undef", Undefined{}},
        {"err", ErrorValue{"TypeError", "bad", std::nullopt, nullptr}},
        {"big", Bytes{std::string(1 << 20, '\7'), Bytes::Kind::buffer}},
        {"text", "h\xC3\xA9llo \xE2\x82\xAC\xF0\x9D\x84\x9E"},
    });
    m->emplace_back("self", Cycle{1});
    std::optional<Value> reply;
    c->onMessageValue([&](const Value& v, auto) { reply = v; });
    c->sendValue(m);
    ASSERT_TRUE(test::pumpUntil([&] { return reply.has_value(); }));
    const Value& kinds = (*reply)["kinds"];
    for (const auto& [k, want] : std::vector<std::pair<std::string, std::string>>{{"buf", "Buffer"},
                                                                                  {"date", "Date"},
                                                                                  {"re", "RegExp"},
                                                                                  {"map", "Map"},
                                                                                  {"set", "Set"},
                                                                                  {"bigint", "bigint"},
                                                                                  {"undef", "undefined"},
                                                                                  {"err", "TypeError"},
                                                                                  {"text", "string"}})
        EXPECT_EQ(kinds[k].as<std::string>(), want) << k;
    EXPECT_EQ((*reply)["selfIsSelf"].as<bool>(), true);
    EXPECT_EQ((*reply)["bufLength"].as<double>(), 1 << 20);
    const Value& echo = (*reply)["echo"];
    EXPECT_EQ(echo["buf"].as<Bytes>().data, std::string("\0\1\2\xFF", 4));
    EXPECT_EQ(echo["date"].as<Date>().ms, 86400000);
    EXPECT_EQ(echo["re"].as<RegExp>().flags, "gi");
    EXPECT_EQ(echo["bigint"].as<BigInt>().toString(), "-1234567890123");
    EXPECT_EQ(echo["map"].as<std::shared_ptr<Map>>()->size(), 2u);
    EXPECT_EQ(echo["err"].as<ErrorValue>().name, "TypeError");
    EXPECT_EQ(echo["text"].as<std::string>(), "h\xC3\xA9llo \xE2\x82\xAC\xF0\x9D\x84\x9E");
    EXPECT_EQ(echo["self"].as<Cycle>().up, 1u);
    c->sendValue("disconnect");
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
}
