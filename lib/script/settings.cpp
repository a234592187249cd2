// SPDX-License-Identifier: MIT
// Settings are values: each setter edits a copy.

#include "childproc/script.hpp"

namespace childproc::script {

Settings Settings::cwd(std::filesystem::path dir) const {
    return edited([&](Values& v) { v.cwd = dir.string(); });
}
Settings Settings::env(std::string name, std::string value) const {
    return edited([&](Values& v) { v.env[std::move(name)] = std::move(value); });
}
Settings Settings::timeout(std::chrono::milliseconds t) const {
    return edited([&](Values& v) { v.timeout = t; });
}
Settings Settings::killSignal(Signal sig) const {
    return edited([&](Values& v) { v.killSignal = sig; });
}
Settings Settings::forceKillAfter(std::chrono::milliseconds t) const {
    return edited([&](Values& v) { v.forceKillAfter = t; });
}
Settings Settings::drainAfterKill(std::chrono::milliseconds t) const {
    return edited([&](Values& v) { v.drainAfterKill = t; });
}
Settings Settings::verbose(bool on) const {
    return edited([&](Values& v) { v.verbose = on; });
}
Settings Settings::nothrow(bool on) const {
    return edited([&](Values& v) { v.nothrow = on; });
}
Settings Settings::okCodes(std::set<int> codes) const {
    return edited([&](Values& v) { v.okCodes = std::move(codes); });
}
Settings Settings::encoding(Encoding e) const {
    return edited([&](Values& v) { v.encoding = e; });
}
Settings Settings::input(std::string text) const {
    return edited([&](Values& v) { v.input = std::move(text); });
}
Settings Settings::maxBuffer(std::size_t bytes) const {
    return edited([&](Values& v) { v.maxBuffer = bytes; });
}
Settings Settings::stop(std::stop_token token) const {
    return edited([&](Values& v) { v.stop = std::move(token); });
}
Settings Settings::detached() const {
    return edited([](Values& v) {
        v.detached = true;
        v.killWithParent = false;
    });
}
Settings Settings::inOurGroup() const {
    return edited([](Values& v) {
        v.ownGroup = false;
        v.detached = false;
    });
}
Settings Settings::loop(uv_loop_t* l) const {
    return edited([&](Values& v) { v.loop = l; });
}
Settings Settings::backend(Backend b) const {
    return edited([&](Values& v) { v.backend = b; });
}

Cmd Settings::shell(std::string script) const { return Cmd(v_, "/bin/sh", {"-c", std::move(script)}); }

}  // namespace childproc::script
