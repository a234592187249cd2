// SPDX-License-Identifier: MIT
// Boost.Process v2 (Boost 1.81, Debian's libboost1.81-dev), the library a C++ user
// would pick instead: the same modes and output as floor.c, with its default
// launcher (fork + exec on Linux). Its vfork_launcher would not grow with our memory,
// but here its second spawn in a row aborts: asio's descriptor assign throws EINVAL.
//   boost_bench spawn RSS_MIB COUNT | inflight COUNT | capture WRITER BYTES
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/process/v2.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// stdio 'ignore', as every peer's spawn rows have it.
bp::process_stdio quiet() { return bp::process_stdio{nullptr, nullptr, nullptr}; }

struct InFlight {
    asio::io_context ctx;
    long count = 0, started = 0, done = 0;
    void one() {
        ++started;
        auto p = std::make_shared<bp::process>(ctx, "/bin/true", std::vector<std::string>{}, quiet());
        p->async_wait([this, p](boost::system::error_code, int) {
            if (++done < count && started < count) one();
        });
    }
};

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "spawn") {
        std::vector<char> resident(static_cast<std::size_t>(std::atol(argv[2])) << 20, 1);  // touched: resident
        const long count = std::atol(argv[3]);
        asio::io_context ctx;
        const double t0 = now();
        for (long i = 0; i < count; ++i) bp::process(ctx, "/bin/true", std::vector<std::string>{}, quiet()).wait();
        std::printf("%.1f\n", (now() - t0) / static_cast<double>(count) * 1e6);
        return resident.empty() ? 0 : resident[0] - 1;
    }
    if (mode == "inflight") {
        InFlight f;
        f.count = std::atol(argv[2]);
        const double t0 = now();
        for (int i = 0; i < 32 && f.started < f.count; ++i) f.one();
        f.ctx.run();
        std::printf("%.0f\n", static_cast<double>(f.count) / (now() - t0));
        return 0;
    }
    if (mode == "capture") {
        asio::io_context ctx;
        asio::readable_pipe out(ctx);
        const double t0 = now();
        bp::process p(ctx, argv[2], std::vector<std::string>{argv[3]}, bp::process_stdio{nullptr, out, nullptr});
        std::string data;
        boost::system::error_code ec;
        asio::read(out, asio::dynamic_buffer(data), ec);  // until end of file
        p.wait();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("%.1f %.1f\n", (now() - t0) * 1e3, static_cast<double>(ru.ru_maxrss) / 1024.0);
        return data.empty() ? 1 : 0;
    }
    std::fprintf(stderr, "boost_bench: unknown mode '%s'\n", mode.c_str());
    return 2;
}
