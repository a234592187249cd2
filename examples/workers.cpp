// SPDX-License-Identifier: MIT
// One worker per CPU: the primary forks itself once per CPU, hands each worker a
// slice of work over IPC, collects the results and lets them go.
// Node: for (let i = 0; i < os.availableParallelism(); i++) fork(__filename, ['worker'])
#include <unistd.h>
#include <childproc/childproc.hpp>
#include <iostream>
#include <string_view>

using namespace childproc;
using nlohmann::json;

// Count the primes in [from, to): something worth a CPU.
static long primes(long from, long to) {
    long count = 0;
    for (long n = from < 2 ? 2 : from; n < to; ++n) {
        bool prime = true;
        for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
        count += prime;
    }
    return count;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "worker") {
        process::onMessage([](const json& m, auto) {
            process::send({{"from", m["from"]}, {"primes", primes(m["from"], m["to"])}, {"pid", ::getpid()}});
        });
        run();
        return 0;
    }
    const long limit = argc > 1 ? std::atol(argv[1]) : 200000;
    const unsigned cpus = uv_available_parallelism();
    long total = 0;
    unsigned done = 0;
    std::vector<ChildProcessPtr> workers;
    for (unsigned i = 0; i < cpus; ++i) {
        auto w = fork("/proc/self/exe", {"worker"});
        w->onMessage([&, w = w.get()](const json& m, auto) {
            std::cout << "worker " << m["pid"] << ": " << m["primes"] << " primes from " << m["from"] << "\n";
            total += m["primes"].get<long>();
            ++done;
            w->disconnect();
        });
        w->send({{"from", limit * i / cpus}, {"to", limit * (i + 1) / cpus}});
        workers.push_back(w);
    }
    run();
    std::cout << "primes below " << limit << ": " << total << " (" << cpus << " workers)\n";
    return done == cpus ? 0 : 1;
}
