// SPDX-License-Identifier: MIT
// A shell-free pipeline: the ten most common words of a text, as
//   tr -cs A-Za-z '\n' < text | tr A-Z a-z | sort | uniq -c | sort -rn | head
// with kernel pipes between the stages and every stage's status reported.
#include <childproc/childproc.hpp>
#include <iostream>

int main(int argc, char** argv) {
    using namespace childproc;
    PipelineOptions o;
    o.input =
        argc > 1 ? argv[1] : "the quick brown fox jumps over the lazy dog the fox sleeps and the dog barks at the fox";
    PipelineResult r = pipelineSync({{"tr", {"-cs", "A-Za-z", "\\n"}},
                                     {"tr", {"A-Z", "a-z"}},
                                     {"sort", {}},
                                     {"uniq", {"-c"}},
                                     {"sort", {"-rn"}},
                                     {"head", {"-n", "3"}}},
                                    o);
    std::cout << r.stdoutData;
    for (const auto& stage : r.stages)
        std::cout << "  " << stage.cmd << ": pid " << stage.pid.value_or(0) << ", exit " << stage.code.value_or(-1)
                  << "\n";
    if (r.error) std::cerr << r.error->what() << "\n";
    return r.error ? 1 : 0;
}
