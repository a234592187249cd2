// SPDX-License-Identifier: MIT
// Resource names as prlimit(1) spells them, prlimit's NAME=SOFT:HARD syntax, and
// GNU time(1)'s report.

#include <sys/resource.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <utility>

#include "childproc/error.hpp"
#include "core/resource_table.hpp"

namespace childproc {

namespace {

struct Entry {
    Resource resource;
    std::string_view name;
    int number;
};

constexpr std::array kTable{
    Entry{Resource::cpu, "cpu", RLIMIT_CPU},
    Entry{Resource::fsize, "fsize", RLIMIT_FSIZE},
    Entry{Resource::data, "data", RLIMIT_DATA},
    Entry{Resource::stack, "stack", RLIMIT_STACK},
    Entry{Resource::core, "core", RLIMIT_CORE},
    Entry{Resource::nofile, "nofile", RLIMIT_NOFILE},
    Entry{Resource::nproc, "nproc", RLIMIT_NPROC},
    Entry{Resource::as, "as", RLIMIT_AS},
    Entry{Resource::memlock, "memlock", RLIMIT_MEMLOCK},
    Entry{Resource::locks, "locks", RLIMIT_LOCKS},
    Entry{Resource::sigpending, "sigpending", RLIMIT_SIGPENDING},
    Entry{Resource::msgqueue, "msgqueue", RLIMIT_MSGQUEUE},
    Entry{Resource::nice, "nice", RLIMIT_NICE},
    Entry{Resource::rtprio, "rtprio", RLIMIT_RTPRIO},
    Entry{Resource::rttime, "rttime", RLIMIT_RTTIME},
};

constexpr bool inEnumOrder() {
    for (std::size_t i = 0; i < kTable.size(); ++i)
        if (static_cast<std::size_t>(kTable[i].resource) != i) return false;
    return true;
}
static_assert(inEnumOrder(), "kTable is indexed by Resource");

const Entry& entry(Resource r) { return kTable.at(static_cast<std::size_t>(r)); }

Error badLimit(std::string_view text, const std::string& why) {
    return Error("Invalid resource limit '" + std::string(text) + "': " + why, "ERR_INVALID_ARG_VALUE", "TypeError");
}

// A number, "unlimited", or empty (nullopt: keep ours).
std::optional<std::uint64_t> limitValue(std::string_view v, std::string_view text) {
    if (v.empty()) return std::nullopt;
    if (v == "unlimited" || v == "infinity") return kUnlimited;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size())
        throw badLimit(text, "'" + std::string(v) + "' is not a number or 'unlimited'");
    return n;
}

std::string valueText(std::uint64_t v) { return v == kUnlimited ? "unlimited" : std::to_string(v); }

}  // namespace

std::string_view resourceName(Resource r) { return entry(r).name; }

std::optional<Resource> resourceFromName(std::string_view name) {
    for (const auto& e : kTable)
        if (e.name == name) return e.resource;
    return std::nullopt;
}

ResourceLimit parseResourceLimit(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) throw badLimit(text, "expected NAME=SOFT[:HARD]");
    const auto resource = resourceFromName(text.substr(0, eq));
    if (!resource)
        throw badLimit(text,
                       "unknown resource (cpu, fsize, data, stack, core, nofile, nproc, as, memlock, locks, "
                       "sigpending, msgqueue, nice, rtprio, rttime)");
    const auto value = text.substr(eq + 1);
    const auto colon = value.find(':');
    auto soft = limitValue(value.substr(0, colon), text);
    auto hard = colon == std::string_view::npos ? soft : limitValue(value.substr(colon + 1), text);
    if (!soft && !hard) throw badLimit(text, "no value");
    if (!soft || !hard) {  // prlimit: the missing one is the current one
        struct rlimit now {};
        ::getrlimit(static_cast<__rlimit_resource_t>(entry(*resource).number), &now);
        if (!soft) soft = now.rlim_cur == RLIM_INFINITY ? kUnlimited : now.rlim_cur;
        if (!hard) hard = now.rlim_max == RLIM_INFINITY ? kUnlimited : now.rlim_max;
    }
    if (*soft > *hard) throw badLimit(text, "the soft value is above the hard one");
    return {*resource, *soft, *hard};
}

std::string formatTimeReport(const ResourceUsage& u, std::chrono::nanoseconds elapsed) {
    using std::chrono::duration;
    const double user = duration<double>(u.userCPUTime).count();
    const double sys = duration<double>(u.systemCPUTime).count();
    const double wall = duration<double>(elapsed).count();
    const long centis = static_cast<long>(wall * 100 + 0.5);
    const auto cpu = wall > 0 ? static_cast<long>((user + sys) / wall * 100 + 0.5) : 0L;
    char line[320];
    std::snprintf(line, sizeof line,
                  "%.2fuser %.2fsystem %ld:%02ld.%02ldelapsed %ld%%CPU (0avgtext+0avgdata %llumaxresident)k\n"
                  "%lluinputs+%lluoutputs (%llumajor+%lluminor)pagefaults 0swaps\n",
                  user, sys, centis / 6000, centis / 100 % 60, centis % 100, cpu,
                  static_cast<unsigned long long>(u.maxRSS), static_cast<unsigned long long>(u.fsRead),
                  static_cast<unsigned long long>(u.fsWrite), static_cast<unsigned long long>(u.majorPageFault),
                  static_cast<unsigned long long>(u.minorPageFault));
    return line;
}

namespace detail {

int resourceNumber(Resource r) { return entry(r).number; }

std::string formatResourceLimit(const ResourceLimit& l) {
    return std::string(resourceName(l.resource)) + "=" + valueText(l.soft) + ":" + valueText(l.hard);
}

}  // namespace detail

}  // namespace childproc
