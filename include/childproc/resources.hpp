// SPDX-License-Identifier: MIT
#pragma once
// Beyond Node: what a child may use (limits set before its program starts, as
// prlimit(1) and systemd's Limit*= do) and what it used (the kernel's rusage at
// its exit, with the names of Node's process.resourceUsage()).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "childproc/export.hpp"

namespace childproc {

// The limits of setrlimit(2), named as prlimit(1) names them.
enum class Resource {
    cpu,         // RLIMIT_CPU, seconds: SIGXCPU at the soft limit, SIGKILL at the hard one
    fsize,       // RLIMIT_FSIZE, bytes a file may grow to (SIGXFSZ beyond)
    data,        // RLIMIT_DATA, bytes of data segment and heap
    stack,       // RLIMIT_STACK, bytes
    core,        // RLIMIT_CORE, bytes of a core dump (0: none)
    nofile,      // RLIMIT_NOFILE, one more than the highest fd it may open
    nproc,       // RLIMIT_NPROC, processes of its real user
    as,          // RLIMIT_AS, bytes of address space
    memlock,     // RLIMIT_MEMLOCK, bytes locked in memory
    locks,       // RLIMIT_LOCKS, file locks
    sigpending,  // RLIMIT_SIGPENDING, queued signals
    msgqueue,    // RLIMIT_MSGQUEUE, bytes in POSIX message queues
    nice,        // RLIMIT_NICE, 20 - the lowest nice value it may take
    rtprio,      // RLIMIT_RTPRIO, real-time priority
    rttime,      // RLIMIT_RTTIME, microseconds of real-time CPU without blocking
};

// setrlimit's RLIM_INFINITY.
inline constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};

struct ResourceLimit {
    Resource resource;
    std::uint64_t soft;
    std::uint64_t hard;  // the child may raise its soft limit up to this, never beyond
};

// "nofile", "as", ... (prlimit's names), and back; nullopt for an unknown name.
CHILDPROC_EXPORT std::string_view resourceName(Resource r);
CHILDPROC_EXPORT std::optional<Resource> resourceFromName(std::string_view name);

// prlimit's syntax: "nofile=1024" (soft and hard), "nofile=512:1024",
// "nofile=:1024" or "nofile=512:" (the other one kept from ours), "unlimited"
// for either. Throws Error ERR_INVALID_ARG_VALUE naming what is wrong.
CHILDPROC_EXPORT ResourceLimit parseResourceLimit(std::string_view text);

// A child's resources at its exit, from wait4/waitid (getrusage(2)'s fields, with
// Node's process.resourceUsage() names). Sizes in KiB, as Node and the kernel give them.
struct ResourceUsage {
    std::chrono::microseconds userCPUTime{0};
    std::chrono::microseconds systemCPUTime{0};
    std::uint64_t maxRSS = 0;  // KiB, the peak resident set
    std::uint64_t minorPageFault = 0;
    std::uint64_t majorPageFault = 0;
    std::uint64_t fsRead = 0;   // blocks read from storage
    std::uint64_t fsWrite = 0;  // blocks written
    std::uint64_t voluntaryContextSwitches = 0;
    std::uint64_t involuntaryContextSwitches = 0;
    bool operator==(const ResourceUsage&) const = default;
};

// GNU time(1)'s default two lines for a run that took `elapsed`, ending in "\n":
// "0.01user 0.00system 0:00.02elapsed 95%CPU (0avgtext+0avgdata 3456maxresident)k"
// "0inputs+0outputs (0major+150minor)pagefaults 0swaps"
CHILDPROC_EXPORT std::string formatTimeReport(const ResourceUsage& usage, std::chrono::nanoseconds elapsed);

}  // namespace childproc
