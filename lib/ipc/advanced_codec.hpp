// SPDX-License-Identifier: MIT
#pragma once
// Node's 'advanced' serialization (lib/internal/child_process/serialization.js):
// each message is a 4-byte big-endian length and that many bytes of V8's
// serializer format (ipc/v8_serializer.hpp). Messages of any size are reassembled;
// one longer than the cap is skipped by its length, and the next is read.

#include "ipc/codec.hpp"

namespace childproc::detail {

class AdvancedCodec final : public Codec {
public:
    void encode(const nlohmann::json& message, std::string& out) const override;
    void encodeHandle(const SendHandle& handle, const nlohmann::json& message, std::string& out) const override;
    void encodeValue(const Value& message, std::string& out) const override;
    void encodeHandleValue(const SendHandle& handle, const Value& message, std::string& out) const override;
    std::string asOnTheWire(std::string_view wire) const override { return std::string(wire); }
    void feed(std::string_view bytes, CodecSink& sink) override;
    std::uint64_t messagesEnded() const override { return ended_; }
    std::uint64_t messageAtEndOf(std::string_view bytes) const override;
    bool buffering() const override { return !frame_.empty() || skipping_ > 0; }
    std::size_t buffered() const override { return frame_.size(); }
    void setMaxMessageSize(std::size_t bytes) override { max_ = bytes; }
    std::size_t maxMessageSize() const override { return max_; }

private:
    // How many frames end within `bytes`, from the current state.
    std::uint64_t framesEndingIn(std::string_view bytes) const;

    std::string frame_;         // the frame being read: length bytes, then payload
    std::size_t skipping_ = 0;  // bytes left of a frame over the cap
    std::size_t max_ = kDefaultMaxMessageSize;
    std::uint64_t ended_ = 0;
};

}  // namespace childproc::detail
