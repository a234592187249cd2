// SPDX-License-Identifier: MIT
#pragma once
// Node's 'json' serialization on the wire: one message is JSON.stringify(msg)
// followed by "\n". The receiver splits on "\n"; a partial line waits for the
// next read. UTF-8 needs no special care: 0x0A never occurs inside a multi-byte
// character, so a character split across reads is simply joined with the rest.

#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/codec.hpp"

namespace childproc::detail {

class LineDecoder {
public:
    explicit LineDecoder(std::size_t maxLine = kDefaultMaxMessageSize) : max_(maxLine) {}
    void setMaxLine(std::size_t maxLine) { max_ = maxLine; }
    std::size_t maxLine() const { return max_; }

    // Calls onLine(std::string_view) for each complete line in order. A line longer
    // than maxLine is never held: onTooLarge(bytes seen) is called as soon as it is
    // known to be too long, its bytes are dropped up to the next newline, and the
    // lines after it are delivered as usual.
    template <class F, class G>
    void feed(std::string_view bytes, F&& onLine, G&& onTooLarge) {
        while (!bytes.empty()) {
            const auto nl = bytes.find('\n');
            const std::size_t len = nl == std::string_view::npos ? bytes.size() : nl;
            if (discarding_) {
                discarded_ += len;
            } else if (partial_.size() + len > max_) {
                onTooLarge(partial_.size() + len);
                discarding_ = true;
                discarded_ = partial_.size() + len;
                std::string().swap(partial_);  // give the memory back, not just the size
            } else if (nl == std::string_view::npos) {
                partial_.append(bytes);
            } else if (partial_.empty()) {
                ++lines_;
                onLine(bytes.substr(0, nl));
            } else {
                partial_.append(bytes.substr(0, nl));
                ++lines_;
                onLine(std::string_view(partial_));  // onLine does not feed: partial_ stays put
                // The memory is kept for the next partial line, unless it is large.
                if (partial_.capacity() > kKeepPartial) std::string().swap(partial_);
                else partial_.clear();
            }
            if (nl == std::string_view::npos) return;
            if (discarding_) {
                discarding_ = false;  // resynchronised: the next line starts here
                ++lines_;
            }
            bytes.remove_prefix(nl + 1);
        }
    }
    template <class F>
    void feed(std::string_view bytes, F&& onLine) {
        feed(bytes, std::forward<F>(onLine), [](std::size_t) {});
    }
    bool buffering() const { return !partial_.empty() || discarding_; }
    std::size_t buffered() const { return discarding_ ? discarded_ : partial_.size(); }
    // Lines ended so far, dropped ones included: a line's number is lines() - 1
    // inside onLine.
    std::uint64_t lines() const { return lines_; }

private:
    static constexpr std::size_t kKeepPartial = 1024 * 1024;
    std::string partial_;
    std::size_t max_;
    bool discarding_ = false;
    std::size_t discarded_ = 0;
    std::uint64_t lines_ = 0;
};

// The bytes of one message. Strings that are not valid UTF-8 have each invalid
// byte replaced by U+FFFD, as a JS string cannot hold them either.
std::string encodeMessage(const nlohmann::json& message);

// One line as a message, or the error that a malformed line is (Node would crash
// on it; we report ERR_IPC_BAD_MESSAGE and go on with the next line).
Decoded decodeLine(std::string_view line);

class JsonLinesCodec final : public Codec {
public:
    void encode(const nlohmann::json& message, std::string& out) const override;
    void encodeHandle(const SendHandle& handle, const nlohmann::json& message, std::string& out) const override;
    void encodeValue(const Value& message, std::string& out) const override { encode(message.toJson(), out); }
    void encodeHandleValue(const SendHandle& handle, const Value& message, std::string& out) const override {
        encodeHandle(handle, message.toJson(), out);
    }
    std::string asOnTheWire(std::string_view wire) const override { return std::string(wire) + "\n"; }
    void feed(std::string_view bytes, CodecSink& sink) override;
    std::uint64_t messagesEnded() const override { return decoder_.lines(); }
    std::uint64_t messageAtEndOf(std::string_view bytes) const override;
    bool buffering() const override { return decoder_.buffering(); }
    std::size_t buffered() const override { return decoder_.buffered(); }
    void setMaxMessageSize(std::size_t bytes) override { decoder_.setMaxLine(bytes); }
    std::size_t maxMessageSize() const override { return decoder_.maxLine(); }

private:
    LineDecoder decoder_;
};

}  // namespace childproc::detail
