// SPDX-License-Identifier: MIT
#include "ipc/advanced_codec.hpp"

#include "ipc/v8_serializer.hpp"

namespace childproc::detail {

namespace {

constexpr std::size_t kLengthBytes = 4;

std::size_t frameLength(std::string_view head) {
    const auto* b = reinterpret_cast<const unsigned char*>(head.data());
    return (static_cast<std::size_t>(b[0]) << 24) | (static_cast<std::size_t>(b[1]) << 16) |
           (static_cast<std::size_t>(b[2]) << 8) | b[3];
}

}  // namespace

void AdvancedCodec::encode(const nlohmann::json& message, std::string& out) const {
    encodeValue(Value::fromJson(message), out);
}

void AdvancedCodec::encodeHandle(const SendHandle& handle, const nlohmann::json& message, std::string& out) const {
    encodeHandleValue(handle, Value::fromJson(message), out);
}

void AdvancedCodec::encodeValue(const Value& message, std::string& out) const {
    const std::size_t start = out.size();
    out.append(kLengthBytes, '\0');  // Node's placeholder: it counts for V8's alignment
    serializeV8(message, out);
    const std::size_t n = out.size() - start - kLengthBytes;
    for (std::size_t i = 0; i < kLengthBytes; ++i)
        out[start + i] = static_cast<char>((n >> (8 * (kLengthBytes - 1 - i))) & 0xFF);
}

void AdvancedCodec::encodeHandleValue(const SendHandle& handle, const Value& message, std::string& out) const {
    Object envelope{{"cmd", "NODE_HANDLE"}, {"type", handle.type}, {"msg", message}};
    if (!handle.dgramType.empty()) envelope.emplace_back("dgramType", handle.dgramType);
    encodeValue(envelope, out);
}

void AdvancedCodec::feed(std::string_view bytes, CodecSink& sink) {
    while (!bytes.empty()) {
        if (skipping_ > 0) {
            const std::size_t n = std::min(skipping_, bytes.size());
            skipping_ -= n;
            bytes.remove_prefix(n);
            if (skipping_ == 0) ++ended_;
            continue;
        }
        if (frame_.size() < kLengthBytes) {
            const std::size_t n = std::min(kLengthBytes - frame_.size(), bytes.size());
            frame_.append(bytes.substr(0, n));
            bytes.remove_prefix(n);
            if (frame_.size() < kLengthBytes) break;
            const std::size_t len = frameLength(frame_);
            if (len > max_) {
                frame_.clear();
                skipping_ = len;
                sink.onTooLarge(len, max_);
                if (skipping_ == 0) ++ended_;
                continue;
            }
            frame_.reserve(kLengthBytes + len);
        }
        const std::size_t len = frameLength(frame_);
        const std::size_t n = std::min(kLengthBytes + len - frame_.size(), bytes.size());
        frame_.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        if (frame_.size() < kLengthBytes + len) break;
        ++ended_;
        V8Decoded d = deserializeV8(std::string_view(frame_).substr(kLengthBytes));
        Decoded out;
        if (d.value) {
            out.message.emplace(std::make_shared<const Value>(std::move(*d.value)));  // its JSON view: only if asked
        } else {
            out.error = Error("An IPC message could not be read: " + d.error, "ERR_IPC_BAD_MESSAGE");
        }
        const std::string wire = std::move(frame_);
        frame_.clear();
        sink.onDecoded(wire, std::move(out));
    }
}

std::uint64_t AdvancedCodec::framesEndingIn(std::string_view bytes) const {
    std::uint64_t ends = 0;
    std::size_t skipping = skipping_;
    std::string head = frame_.substr(0, std::min(frame_.size(), kLengthBytes));
    std::size_t have = frame_.size();
    while (!bytes.empty()) {
        if (skipping > 0) {
            const std::size_t n = std::min(skipping, bytes.size());
            skipping -= n;
            bytes.remove_prefix(n);
            ends += skipping == 0;
            continue;
        }
        if (have < kLengthBytes) {
            const std::size_t n = std::min(kLengthBytes - have, bytes.size());
            head.append(bytes.substr(0, n));
            have += n;
            bytes.remove_prefix(n);
            if (have < kLengthBytes) break;
            if (frameLength(head) > max_) {
                skipping = frameLength(head);
                ends += skipping == 0;
                head.clear();
                have = 0;
                continue;
            }
        }
        const std::size_t total = kLengthBytes + frameLength(head);
        const std::size_t n = std::min(total - have, bytes.size());
        have += n;
        bytes.remove_prefix(n);
        if (have < total) break;
        ++ends;
        head.clear();
        have = 0;
    }
    return ends;
}

std::uint64_t AdvancedCodec::messageAtEndOf(std::string_view bytes) const {
    if (bytes.empty()) return ended_;
    return ended_ + framesEndingIn(bytes.substr(0, bytes.size() - 1));
}

}  // namespace childproc::detail
