// SPDX-License-Identifier: MIT
// Signal names and numbers as Node's os.constants.signals.

#include "support.hpp"

using namespace childproc;

TEST(Signals, NamesAndNumbers) {
    EXPECT_EQ(signalNumber("SIGTERM"), SIGTERM);
    EXPECT_EQ(signalNumber("SIGKILL"), 9);
    EXPECT_EQ(signalName(SIGINT), "SIGINT");
    EXPECT_EQ(signalName(SIGABRT), "SIGABRT");  // not its alias SIGIOT
    EXPECT_EQ(signalName(SIGIO), "SIGIO");      // not its alias SIGPOLL
    EXPECT_EQ(signalNumber("SIGIOT"), SIGABRT);
    EXPECT_EQ(signalNumber("sigterm"), std::nullopt);  // Node is case-sensitive too
    EXPECT_EQ(signalName(0), std::nullopt);
    EXPECT_EQ(signalName(64), std::nullopt);
}

TEST(Signals, SignalValue) {
    Signal a = "SIGHUP";
    Signal b = SIGHUP;
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.name(), "SIGHUP");
    EXPECT_EQ(Signal(0).name(), "0");
}
