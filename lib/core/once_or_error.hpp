// SPDX-License-Identifier: MIT
#pragma once
// Node's events.once(emitter, name): a promise settled by the event, or rejected by
// an 'error' that comes first; whichever comes first removes the other listener.

#include <memory>
#include <utility>

#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/promise.hpp"

namespace childproc::detail {

// listen(settle) adds a once-listener for the event that calls settle(T);
// listenError(fn) adds a once-listener for 'error'. Both return their Subscription.
template <class T, class Listen, class ListenError>
Promise<T> onceOrError(Listen listen, ListenError listenError) {
    auto [promise, resolver] = Promise<T>::withResolvers();
    auto subs = std::make_shared<std::pair<Subscription, Subscription>>();
    subs->first = listen([r = resolver, subs](T value) {
        subs->second.off();
        r.resolve(std::move(value));
    });
    subs->second = listenError([r = resolver, subs](const Error& e) {
        subs->first.off();
        r.reject(e);
    });
    return promise;
}

}  // namespace childproc::detail
