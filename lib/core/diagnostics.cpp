// SPDX-License-Identifier: MIT
// The subscriber lists behind diagnostics::publish. A list is replaced whole on
// (un)subscribe and read through an atomic shared_ptr copy, so a subscriber may
// unsubscribe (itself included) from inside a call, and loops on other threads
// publish without a lock.

#include "childproc/diagnostics.hpp"

#include <memory>
#include <mutex>
#include <vector>

#include "childproc/error.hpp"

namespace childproc::diagnostics {

namespace detail {
std::atomic<unsigned> subscribedChannels{0};
}

namespace {

struct Entry {
    SubscriptionId id;
    std::shared_ptr<const Subscriber> fn;
};
using List = std::vector<Entry>;

struct Registry {
    std::mutex mutex;  // for writers; publishers only load a list
    std::atomic<std::shared_ptr<const List>> lists[kChannels];
    SubscriptionId next = 1;
};

Registry& registry() {
    static Registry r;  // never destroyed before a late publisher: leaked on purpose
    return r;
}

constexpr std::string_view kNames[kChannels] = {"childproc:process", "childproc:stdio", "childproc:ipc",
                                                "childproc:pipeline", "childproc:cluster"};

void updateMask(const Registry& r) {
    unsigned mask = 0;
    for (int c = 0; c < kChannels; ++c)
        if (auto list = r.lists[c].load(); list && !list->empty()) mask |= 1u << c;
    detail::subscribedChannels.store(mask, std::memory_order_relaxed);
}

// -1 for "childproc" (every channel), or the channel's index.
int channelIndex(std::string_view name) {
    if (name == "childproc") return -1;
    for (int c = 0; c < kChannels; ++c)
        if (kNames[c] == name) return c;
    throw Error("Unknown diagnostics channel \"" + std::string(name) +
                    "\": childproc, childproc:process, childproc:stdio, childproc:ipc, childproc:pipeline or "
                    "childproc:cluster",
                "ERR_INVALID_ARG_VALUE", "TypeError");
}

SubscriptionId add(int first, int last, Subscriber fn) {
    auto shared = std::make_shared<const Subscriber>(std::move(fn));
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const SubscriptionId id = r.next++;
    for (int c = first; c <= last; ++c) {
        const auto current = r.lists[c].load();
        auto list = current ? std::make_shared<List>(*current) : std::make_shared<List>();
        list->push_back({id, shared});
        r.lists[c].store(std::move(list));
    }
    updateMask(r);
    return id;
}

}  // namespace

std::string_view channelName(Channel c) { return kNames[static_cast<int>(c)]; }

std::string_view kindName(Kind k) {
    static constexpr std::string_view names[] = {"spawn",      "error",     "signal",     "exit",
                                                 "close",      "open",      "read",       "write",
                                                 "end",        "closed",    "send",       "message",
                                                 "disconnect", "stage",     "pipe",       "fork",
                                                 "online",     "listening", "connection", "workerDisconnect",
                                                 "workerExit", "restart",   "reload",     "stop"};
    static_assert(std::size(names) == static_cast<std::size_t>(Kind::stop) + 1);
    return names[static_cast<int>(k)];
}

SubscriptionId subscribe(std::string_view name, Subscriber fn) {
    const int c = channelIndex(name);
    return c < 0 ? add(0, kChannels - 1, std::move(fn)) : add(c, c, std::move(fn));
}

SubscriptionId subscribe(Channel channel, Subscriber fn) {
    const int c = static_cast<int>(channel);
    return add(c, c, std::move(fn));
}

bool unsubscribe(SubscriptionId id) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    bool found = false;
    for (auto& slot : r.lists) {
        const auto current = slot.load();
        if (!current) continue;
        auto list = std::make_shared<List>();
        for (const Entry& e : *current)
            if (e.id != id) list->push_back(e);
        found = found || list->size() != current->size();
        slot.store(std::move(list));
    }
    updateMask(r);
    return found;
}

bool hasSubscribers(std::string_view name) {
    const int c = channelIndex(name);
    const unsigned mask = detail::subscribedChannels.load(std::memory_order_relaxed);
    return c < 0 ? mask != 0 : (mask & (1u << c)) != 0;
}

std::uint64_t detail::nextId() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

void detail::publish(Event& e) {
    if (e.time == std::chrono::steady_clock::time_point{}) e.time = std::chrono::steady_clock::now();
    const std::shared_ptr<const List> list = registry().lists[static_cast<int>(channelOf(e.kind))].load();
    if (!list) return;
    for (const Entry& entry : *list) (*entry.fn)(e);
}

}  // namespace childproc::diagnostics
