// SPDX-License-Identifier: MIT
#pragma once
// Several listeners per event, called in the order they were added, as with
// Node's EventEmitter.

#include <functional>
#include <vector>

namespace childproc {

template <class... Args>
class Listeners {
public:
    using Fn = std::function<void(Args...)>;

    void add(Fn fn) { fns_.push_back(std::move(fn)); }
    void clear() { fns_.clear(); }
    bool empty() const { return fns_.empty(); }
    std::size_t size() const { return fns_.size(); }

    // A listener may add listeners while we emit: those run from the next emit on.
    void emit(Args... args) {
        const std::size_t n = fns_.size();
        for (std::size_t i = 0; i < n; ++i) {
            Fn fn = fns_[i];
            fn(args...);
        }
    }

private:
    std::vector<Fn> fns_;
};

}  // namespace childproc
