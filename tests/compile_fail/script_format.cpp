// SPDX-License-Identifier: MIT
// A command format is checked at compile time: CTest compiles this file once per
// case below and expects the compiler's error to say why (tests/CMakeLists.txt).
// The "good" case must compile, so the others fail for the reason they claim.

#include "childproc/script.hpp"

using childproc::script::sh;

void use() {
#if defined(CASE_good)
    (void)sh("git log -n {} -- {}", 3, "a b");
#elif defined(CASE_count)
    (void)sh("git log -n {} -- {}", 3);
#elif defined(CASE_quote)
    (void)sh("echo 'a b'");
#elif defined(CASE_operator)
    (void)sh("ls | wc -l");
#elif defined(CASE_brace)
    (void)sh("echo {x}");
#endif
}
