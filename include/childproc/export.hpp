// SPDX-License-Identifier: MIT
#pragma once
// The library is built with hidden visibility: only what is marked here is part of
// the shared library's ABI. Static and shared builds see the same marks (ELF needs
// no import/export distinction).

#if defined(__GNUC__) || defined(__clang__)
#define CHILDPROC_EXPORT __attribute__((visibility("default")))
#else
#define CHILDPROC_EXPORT
#endif
