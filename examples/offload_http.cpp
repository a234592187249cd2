// SPDX-License-Identifier: MIT
// An HTTP server that stays responsive by handing slow work to a forked child:
// GET /fib/N is computed by a worker process; every other path answers at once.
// Node: the classic "don't block the event loop" fork example.
//   example_offload_http [PORT]     serve (0 = pick a port; it is printed)
//   example_offload_http --self-test   start, ask for a slow and a fast page, check
#include <unistd.h>
#include <atomic>
#include <childproc/childproc.hpp>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include <arpa/inet.h>
#include <sys/socket.h>

using namespace childproc;
using nlohmann::json;

namespace {

long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

ChildProcessPtr worker;
std::map<long, uv_tcp_t*> waiting;  // request id → connection
long nextId = 0;

void respond(uv_tcp_t* conn, const std::string& body) {
    auto* text = new std::string("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                 "\r\nConnection: close\r\n\r\n" + body);
    auto* req = new uv_write_t;
    req->data = text;
    uv_buf_t buf = uv_buf_init(text->data(), static_cast<unsigned>(text->size()));
    uv_write(req, reinterpret_cast<uv_stream_t*>(conn), &buf, 1, [](uv_write_t* w, int) {
        delete static_cast<std::string*>(w->data);
        uv_close(reinterpret_cast<uv_handle_t*>(w->handle),
                 [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
        delete w;
    });
}

void onRequest(uv_tcp_t* conn, std::string_view head) {
    auto sp = head.find(' ');
    std::string path(head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1));
    if (path.rfind("/fib/", 0) == 0) {
        long id = nextId++;
        waiting[id] = conn;
        worker->send({{"id", id}, {"n", std::stol(path.substr(5))}});  // the loop stays free
        return;
    }
    respond(conn, "fast answer from pid " + std::to_string(::getpid()) + "\n");
}

int serve(int port, std::atomic<int>* boundPort) {
    worker = fork("/proc/self/exe", {"worker"});
    worker->onMessage([](const json& m, auto) {
        auto it = waiting.find(m["id"]);
        if (it == waiting.end()) return;
        respond(it->second,
                "fib(" + m["n"].dump() + ") = " + m["fib"].dump() + " (computed by pid " + m["pid"].dump() + ")\n");
        waiting.erase(it);
    });
    static uv_tcp_t server;
    uv_tcp_init(uv_default_loop(), &server);
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&server), 64, [](uv_stream_t* s, int status) {
        if (status < 0) return;
        auto* conn = new uv_tcp_t;
        uv_tcp_init(s->loop, conn);
        uv_accept(s, reinterpret_cast<uv_stream_t*>(conn));
        conn->data = new std::string;
        uv_read_start(
            reinterpret_cast<uv_stream_t*>(conn),
            [](uv_handle_t*, size_t, uv_buf_t* b) { *b = uv_buf_init(new char[4096], 4096); },
            [](uv_stream_t* c, ssize_t n, const uv_buf_t* b) {
                auto* got = static_cast<std::string*>(c->data);
                if (n > 0) got->append(b->base, static_cast<std::size_t>(n));
                delete[] b->base;
                if (got->find("\r\n\r\n") != std::string::npos || n < 0) {
                    uv_read_stop(c);
                    std::string head = *got;
                    delete got;
                    onRequest(reinterpret_cast<uv_tcp_t*>(c), head);
                }
            });
    });
    sockaddr_storage bound{};
    int len = sizeof bound;
    uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &len);
    int actual = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (boundPort) boundPort->store(actual);
    else std::cout << "listening on http://127.0.0.1:" << actual << "/ (try /fib/40)" << std::endl;
    run();
    return 0;
}

std::string get(int port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "";
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    [[maybe_unused]] auto w = ::write(fd, req.data(), req.size());
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out.substr(out.find("\r\n\r\n") + 4);
}

}  // namespace

int main(int argc, char** argv) {
    std::string_view mode = argc > 1 ? argv[1] : "";
    if (mode == "worker") {
        process::onMessage([](const json& m, auto) {
            process::send({{"id", m["id"]}, {"n", m["n"]}, {"fib", fib(m["n"])}, {"pid", ::getpid()}});
        });
        run();
        return 0;
    }
    if (mode != "--self-test") return serve(argc > 1 ? std::atoi(argv[1]) : 8080, nullptr);

    // Self-test: the fast page must come back while the slow one is still being computed.
    std::atomic<int> port{0};
    std::thread client([&] {
        while (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::string slow, fast;
        auto t0 = std::chrono::steady_clock::now();
        std::thread s([&] { slow = get(port, "/fib/40"); });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        fast = get(port, "/");
        auto fastMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        s.join();
        auto slowMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        std::cout << "fast: " << fast << "  after " << fastMs << " ms\nslow: " << slow << "  after " << slowMs
                  << " ms\n";
        bool ok = fast.rfind("fast answer", 0) == 0 && slow.find("fib(40) = 102334155") != std::string::npos &&
                  fastMs < slowMs;
        std::cout << (ok ? "self-test ok: the server answered while the worker computed" : "self-test FAILED")
                  << std::endl;
        std::exit(ok ? 0 : 1);
    });
    client.detach();
    return serve(0, &port);
}
