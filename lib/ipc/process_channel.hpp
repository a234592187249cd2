// SPDX-License-Identifier: MIT
#pragma once
// The library's door to this process's own channel (cluster's worker side).

namespace childproc::detail {

class Channel;
class TickQueue;

Channel* processChannel();  // nullptr when no parent gave us one
TickQueue& processTicks();

}  // namespace childproc::detail
