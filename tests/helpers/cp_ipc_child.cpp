// SPDX-License-Identifier: MIT
// The C++ IPC child the tests fork (and that Node forks). argv[1] is the mode; a
// Node parent that uses fork() with execPath = this program passes it as the
// "module path", which lands in argv[1] too.

#include <unistd.h>
#include <childproc/childproc.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace childproc;
using nlohmann::json;

namespace {

std::vector<std::shared_ptr<ReceivedHandle>> keep;  // handles we serve on

// Answer every connection on `server` with `reply`, then close it.
void serve(uv_stream_t* server, std::string reply) {
    server->data = new std::string(std::move(reply));
    uv_listen(server, 16, [](uv_stream_t* s, int status) {
        if (status < 0) return;
        auto* conn = new uv_tcp_t;
        uv_tcp_init(s->loop, conn);
        if (uv_accept(s, reinterpret_cast<uv_stream_t*>(conn)) != 0) return;
        auto* req = new uv_write_t;
        auto* text = static_cast<std::string*>(s->data);
        uv_buf_t buf = uv_buf_init(text->data(), static_cast<unsigned>(text->size()));
        req->data = conn;
        uv_write(req, reinterpret_cast<uv_stream_t*>(conn), &buf, 1, [](uv_write_t* w, int) {
            uv_close(static_cast<uv_handle_t*>(w->data), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
            delete w;
        });
    });
}

// fork() with the default stdio puts the channel at fd 3; the raw modes write to it
// themselves (NODE_CHANNEL_FD is gone from the environment before main).
constexpr int kForkChannelFd = 3;

void writeRaw(int fd, const std::string& bytes) { [[maybe_unused]] auto n = ::write(fd, bytes.data(), bytes.size()); }

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "echo";
    const std::string pid = std::to_string(::getpid());

    if (mode == "raw") {
        // Write argv[2..] to the channel as they are (each followed by nothing),
        // read one reply line, print it, exit: for malformed-input tests.
        const int fd = kForkChannelFd;
        for (int i = 2; i < argc; ++i) writeRaw(fd, argv[i]);
        if (std::getenv("CP_READ_REPLY")) {
            std::string line;
            char c;
            while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
            std::cout << line << std::endl;
        }
        return 0;
    }
    if (mode == "unterminated") {
        // One good message, then N bytes that never end in a newline, then exit.
        const int fd = kForkChannelFd;
        writeRaw(fd, "{\"first\":1}\n");
        writeRaw(fd, std::string(static_cast<std::size_t>(std::atol(argv[2])), 'x'));
        return 0;
    }
    if (mode == "env") {
        // The variables are gone before main runs (as in Node), yet the channel works.
        const bool had = std::getenv("NODE_CHANNEL_FD") != nullptr;
        process::send(
            {{"hadFdAtMain", had},
             {"connected", process::connected()},
             {"fdAfter", std::getenv("NODE_CHANNEL_FD") ? json(std::getenv("NODE_CHANNEL_FD")) : json(nullptr)},
             {"modeAfter", std::getenv("NODE_CHANNEL_SERIALIZATION_MODE") ? json("set") : json(nullptr)}});
        run();
        return 0;
    }
    if (mode == "spawn-first") {
        // Spawn before any process:: call: the grandchildren must not see our channel
        // (argv[2] is node: it would take fd 3 as its channel and abort).
        auto sh = execFileSync("sh", {"-c", "echo ${NODE_CHANNEL_FD-unset} ${NODE_UNIQUE_ID-unset}"});
        auto nodeRun = spawnSync(argv[2], {"-e", "console.log(typeof process.send)"});
        process::send({{"sh", sh},
                       {"nodeStatus", nodeRun.status ? json(*nodeRun.status) : json(nullptr)},
                       {"node", nodeRun.stdoutData.value_or("")}});
        process::disconnect();
        run();
        return 0;
    }
    if (mode == "spawn-in") {
        // Spawn ls in argv[2]; print the error's message and path.
        SpawnSyncOptions o;
        o.cwd = argv[2];
        auto r = spawnSync("ls", {}, o);
        if (r.error) std::cout << r.error->what() << "\npath " << r.error->path.value_or("") << std::endl;
        return 0;
    }
    if (mode == "report-errors") {
        // Echo each message as {echo: m} and report each channel error as {error: code}.
        process::onError([](const Error& e) { process::send({{"error", e.code}}); });
        process::onMessage([](const json& m, auto) { process::send({{"echo", m}}); });
        run();
        return 0;
    }
    if (mode == "await-echo") {
        // The child side with coroutines: each message awaited, answered, the answer's
        // write awaited; the channel closing ends the loop.
        auto loop = []() -> Promise<int> {
            int n = 0;
            try {
                for (;;) {
                    IncomingMessage in = co_await process::nextMessage();
                    const json reply = {{"awaited", in.message}, {"n", ++n}};
                    co_await process::sendAsync(reply);
                }
            } catch (const Error& e) {
                std::cout << "ended by " << e.code << " after " << n << std::endl;
            }
            co_return n;
        };
        return runUntil(loop()) > 0 ? 0 : 1;
    }
    if (mode == "lonely") {
        // No listeners, nothing in flight: the channel must not keep us alive.
        process::connected();
        run();
        std::cout << "exited on my own" << std::endl;
        return 0;
    }
    if (mode == "burst" || mode == "big") {
        const long n = argc > 2 ? std::atol(argv[2]) : 10;
        // A parent that is gone makes write errors: listened to, as a Node child must.
        process::onError([](const Error&) {});
        if (mode == "burst")
            for (long i = 0; i < n; ++i) process::send({{"i", i}, {"text", "héllo €𝄞"}});
        else process::send({{"big", std::string(static_cast<std::size_t>(n), 'x')}});
        process::disconnect();  // queued sends still go out first
        run();
        return 0;
    }
    if (mode == "orphan-maker") {
        // Start a sleeper (with or without killWithParent), print its pid, die abruptly.
        SpawnOptions o;
        o.stdio = StdioType::ignore;
        o.killWithParent = argc > 2 && std::string(argv[2]) == "with";
        auto c = spawn("sleep", {"30"}, o);
        std::cout << *c->pid() << std::endl;
        ::_exit(0);
    }
    if (mode == "script-orphan-maker") {
        // The same through the script layer: a command (detached or not) prints its
        // pid; we pass it on and die abruptly while it runs.
        auto settings = argc > 2 && std::string(argv[2]) == "detached" ? script::sh.detached() : script::sh;
        for (const auto& line : settings("sh -c {}", "echo $$; exec sleep 30").readLines()) {
            std::cout << line << std::endl;
            ::_exit(0);
        }
    }
    if (mode == "replay-disconnect") {
        // Let messages pile up with no listener, then disconnect from inside the
        // replay (this crashes Node 20's child with a TypeError).
        process::connected();
        static int seen = 0;
        static uv_timer_t late;
        uv_timer_init(uv_default_loop(), &late);
        uv_timer_start(
            &late,
            [](uv_timer_t* t) {
                process::onMessage([](const json&, auto) {
                    if (++seen == 1) process::disconnect();
                });
                uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
            },
            200, 0);
        run();
        std::cout << "replayed " << seen << ", survived" << std::endl;
        return 0;
    }
    if (mode == "echo-value") {
        // Answer each message whole ('advanced': Buffers, Dates, Maps, cycles) as {echo: m}.
        process::onMessageValue([](const Value& m, std::shared_ptr<ReceivedHandle>) {
            if (m.is<std::string>() && m.as<std::string>() == "disconnect") return process::disconnect();
            process::sendValue(Object{{"echo", m}, {"pid", static_cast<double>(::getpid())}});
        });
        run();
        return 0;
    }
    if (mode == "udp-activated") {
        // Bind udp4 127.0.0.1:argv[2], say "bound" (or the error) on stdout, answer
        // one datagram with "activated:<text>" and end: run under LISTEN_FDS.
        auto udp = dgram::createSocket(dgram::Type::udp4);
        auto* s = udp.get();
        udp->onError([s](const Error& e) {
            std::cout << "error " << e.code << std::endl;
            s->close();
        });
        udp->onMessage([s](std::string_view d, const dgram::RemoteInfo& from) {
            s->send("activated:" + std::string(d), from.port, from.address,
                    [s](const std::optional<Error>&, std::size_t) { s->close(); });
        });
        udp->bind(std::atoi(argv[2]), "127.0.0.1", [] { std::cout << "bound" << std::endl; });
        run();
        return 0;
    }
    if (mode == "offer-dgram") {
        // Bind a UDP socket, send it to the parent, close ours once it is written.
        auto udp = dgram::createSocket(dgram::Type::udp4);
        udp->bind(0, "127.0.0.1", [udp] {
            process::send({{"port", udp->address().port}}, udp->sendHandle(), [udp](const std::optional<Error>&) {
                udp->close();
                process::disconnect();
            });
        });
        run();
        return 0;
    }
    if (mode == "offer-server") {
        // Bind, send the listening socket to the parent, stop listening ourselves.
        auto* server = new uv_tcp_t;
        uv_tcp_init(uv_default_loop(), server);
        sockaddr_in addr{};
        uv_ip4_addr("127.0.0.1", 0, &addr);
        uv_tcp_bind(server, reinterpret_cast<const sockaddr*>(&addr), 0);
        uv_listen(reinterpret_cast<uv_stream_t*>(server), 16, [](uv_stream_t*, int) {});
        sockaddr_storage bound{};
        int len = sizeof bound;
        uv_tcp_getsockname(server, reinterpret_cast<sockaddr*>(&bound), &len);
        int port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
        process::send({{"port", port}}, SendHandle::server(reinterpret_cast<uv_stream_t*>(server)),
                      [server](const std::optional<Error>&) {
                          uv_close(reinterpret_cast<uv_handle_t*>(server),
                                   [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
                          process::disconnect();
                      });
        run();
        return 0;
    }

    // count: print how many messages came, once the parent disconnects.
    if (mode == "count") {
        long n = 0;
        process::onMessage([&](const json&, std::shared_ptr<ReceivedHandle>) { ++n; });
        process::onDisconnect([&] { std::printf("%ld\n", n); });
        run();
        return 0;
    }

    // echo (default): answer each message; handles are served and reported.
    int count = 0;
    process::onMessage([&](const json& m, std::shared_ptr<ReceivedHandle> h) {
        ++count;
        // Not m == "exit": GCC 12 at -O3 warns falsely (-Warray-bounds) inside json's operator==.
        const auto is = [&m](std::string_view s) { return m.is_string() && m.get_ref<const std::string&>() == s; };
        if (is("disconnect")) return process::disconnect();
        if (is("exit")) std::exit(0);
        if (is("throw")) throw std::runtime_error("listener threw");
        if (h && (h->type() == "net.Server" || h->type() == "net.Native") && h->kind() == UV_TCP &&
            m == json{{"take", "native"}}) {
            serve(h->stream(), "native:" + std::to_string(::getpid()) + "\n");
            keep.push_back(h);
        } else if (h && h->type() == "net.Server") {
            serve(h->stream(), "child:" + std::to_string(::getpid()) + "\n");
            keep.push_back(h);
        } else if (h && (h->type() == "dgram.Socket" || h->type() == "dgram.Native")) {
            // Answer each datagram "child:<it>" from the socket we were given.
            auto udp = dgram::createSocket(h->dgramType() == "udp6" ? dgram::Type::udp6 : dgram::Type::udp4);
            auto* s = udp.get();
            udp->onMessage([s](std::string_view d, const dgram::RemoteInfo& from) {
                s->send("child:" + std::string(d), from.port, from.address);
            });
            udp->bind(h);
        } else if (h && h->type() == "net.Socket") {
            auto* req = new uv_write_t;
            static std::string text = "child got socket\n";
            uv_buf_t buf = uv_buf_init(text.data(), static_cast<unsigned>(text.size()));
            req->data = new std::shared_ptr<ReceivedHandle>(h);
            uv_write(req, h->stream(), &buf, 1, [](uv_write_t* w, int) {
                auto* held = static_cast<std::shared_ptr<ReceivedHandle>*>(w->data);
                (*held)->close();
                delete held;
                delete w;
            });
        }
        process::send(
            {{"echo", m}, {"pid", ::getpid()}, {"count", count}, {"handle", h ? json(h->type()) : json(nullptr)}});
    });
    process::onError([](const Error& e) { process::send({{"childError", e.code}}); });
    for (;;) {
        try {
            run();
            break;
        } catch (const std::exception&) {
            // A throwing listener stops run(); the next messages are still ours.
        }
    }
    return 0;
}
