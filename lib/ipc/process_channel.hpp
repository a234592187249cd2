// SPDX-License-Identifier: MIT
#pragma once
// The library's door to this process's own channel (cluster's worker side).

namespace childproc::detail {

class Channel;

Channel* processChannel();  // nullptr when no parent gave us one

}  // namespace childproc::detail
