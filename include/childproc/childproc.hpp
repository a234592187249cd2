// SPDX-License-Identifier: MIT
#pragma once
// Node's child_process for C++20, on libuv. Include this one header (and
// childproc/expect.hpp for expect, kept out for the cost of <regex>).
// It brings the whole of nlohmann/json, as messages are built with it; the single
// headers declare json only (json_fwd.hpp), so that a file that only spawns
// compiles without it.

#include <nlohmann/json.hpp>

#include "childproc/child_process.hpp"
#include "childproc/cluster.hpp"
#include "childproc/dgram.hpp"
#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/exec.hpp"
#include "childproc/fork.hpp"
#include "childproc/incoming_message.hpp"
#include "childproc/ipc.hpp"
#include "childproc/loop.hpp"
#include "childproc/net.hpp"
#include "childproc/options.hpp"
#include "childproc/pipeline.hpp"
#include "childproc/process.hpp"
#include "childproc/promise.hpp"
#include "childproc/pty.hpp"
#include "childproc/resources.hpp"
#include "childproc/script.hpp"
#include "childproc/signals.hpp"
#include "childproc/spawn.hpp"
#include "childproc/stream.hpp"
#include "childproc/sync.hpp"
#include "childproc/systemd.hpp"
#include "childproc/value.hpp"
#include "childproc/version.hpp"
