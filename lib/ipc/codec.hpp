// SPDX-License-Identifier: MIT
#pragma once
// The IPC codec seam, Node's lib/internal/child_process/serialization.js: how
// messages become bytes on the channel and bytes become messages. The Channel
// owns one codec, chosen here from `serialization`: JSON lines, or 'advanced'
// (V8's serializer, length-prefixed).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "childproc/error.hpp"
#include "childproc/ipc.hpp"
#include "childproc/value.hpp"
#include "ipc/received_message.hpp"

namespace childproc::detail {

// One message as read (JSON, or a Value for 'advanced'), or why it could not be
// one (ERR_IPC_BAD_MESSAGE).
struct Decoded {
    std::optional<ReceivedMessage> message;
    std::optional<Error> error;
};

// What a codec hands its messages to while it is fed.
class CodecSink {
public:
    // `wire` is the message's bytes as they came: a JSON line without its newline
    // (the wire tap adds it back), or an 'advanced' frame whole, length included.
    virtual void onDecoded(std::string_view wire, Decoded decoded) = 0;
    // A message longer than the cap: it is being dropped, `seen` bytes so far.
    virtual void onTooLarge(std::size_t seen, std::size_t max) = 0;

protected:
    ~CodecSink() = default;
};

class Codec {
public:
    virtual ~Codec() = default;

    // Append one message, framed, to `out`.
    virtual void encode(const nlohmann::json& message, std::string& out) const = 0;
    // Append Node's {"cmd":"NODE_HANDLE","type":…,"msg":…[,"dgramType":…]} envelope, framed.
    virtual void encodeHandle(const SendHandle& handle, const nlohmann::json& message, std::string& out) const = 0;
    // The same for a Value: whole in 'advanced', as JSON.stringify would send it in 'json'.
    virtual void encodeValue(const Value& message, std::string& out) const = 0;
    virtual void encodeHandleValue(const SendHandle& handle, const Value& message, std::string& out) const = 0;

    // A decoded message's `wire` bytes as they were on the wire (its framing back).
    virtual std::string asOnTheWire(std::string_view wire) const = 0;

    // Feed bytes in the order they came; complete messages go to `sink`.
    virtual void feed(std::string_view bytes, CodecSink& sink) = 0;
    // The number of messages ended so far, dropped ones included.
    virtual std::uint64_t messagesEnded() const = 0;
    // The number of the message that the last byte of `bytes` (not fed yet) belongs
    // to: fds come with the read that ends in the first bytes of their message.
    virtual std::uint64_t messageAtEndOf(std::string_view bytes) const = 0;
    // Part of a message has arrived (Node's channel.buffering), and how many bytes.
    virtual bool buffering() const = 0;
    virtual std::size_t buffered() const = 0;

    virtual void setMaxMessageSize(std::size_t bytes) = 0;
    virtual std::size_t maxMessageSize() const = 0;
};

// The codec for `s`; throws ERR_INVALID_ARG_VALUE for one that is not spoken.
std::unique_ptr<Codec> makeCodec(Serialization s);
// Throws ERR_INVALID_ARG_VALUE unless `s` is spoken (checked before anything starts).
void requireSupported(Serialization s);
// NODE_CHANNEL_SERIALIZATION_MODE's value → the serialization, if spoken here.
std::optional<Serialization> spokenSerialization(std::string_view mode);
// Its value for the child's environment.
const char* serializationName(Serialization s);

// Node's isInternal(): an object whose string `cmd` starts with "NODE_" (and is longer).
bool isInternal(const nlohmann::json& message);
bool isInternal(const Value& message);

}  // namespace childproc::detail
