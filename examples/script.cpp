// SPDX-License-Identifier: MIT
// A release-style script, as one would write it with zx or execa: git queries, a
// find | xargs | sort pipeline, a JSON tool's output parsed, a failing command
// caught. It makes a scratch repository, so it runs anywhere git does.
//
//   zx:    const head = (await $`git rev-parse --short HEAD`).stdout.trim()
//   here:  auto head = here("git rev-parse --short HEAD").text();

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <childproc/script.hpp>

using namespace childproc::script;
namespace fs = std::filesystem;

int main() {
    const fs::path repo = fs::temp_directory_path() / ("childproc-script-" + std::to_string(::getpid()));
    fs::create_directories(repo / "src");
    // Every command below runs in the scratch repository, with a fixed identity
    // and locale; `sh` itself is unchanged (settings are values).
    const auto here = sh.cwd(repo)
                          .env("GIT_AUTHOR_NAME", "Ada")
                          .env("GIT_AUTHOR_EMAIL", "ada@example.org")
                          .env("GIT_COMMITTER_NAME", "Ada")
                          .env("GIT_COMMITTER_EMAIL", "ada@example.org")
                          .env("LC_ALL", "C")
                          .verbose();

    here("git init -q -b main").run();
    for (int i = 1; i <= 3; ++i) {
        std::ofstream(repo / "src" / ("part " + std::to_string(i) + ".txt")) << std::string(i * 2, '\n');
        here("git add -A").run();
        here("git commit -q -m {}", "add part " + std::to_string(i) + " (of 3)").run();
    }

    // Git queries: the text, the lines.
    const std::string head = here("git rev-parse --short HEAD").text();
    std::cout << "HEAD is " << head << "\n";
    for (const auto& line : here("git log --format={} -n {}", "%s", 2).lines()) std::cout << "  " << line << "\n";

    // A pipeline on kernel pipes: file names with spaces pass whole (-print0/-0).
    auto biggest = (here("find {} -name {} -print0", "src", "*.txt") | here("xargs -0 wc -l") |
                    here("grep -v {}", " total$") | here("sort -n") | here("tail -n {}", 2))
                       .lines();
    std::cout << "largest files:\n";
    for (const auto& line : biggest) std::cout << "  " << line << "\n";

    // A JSON tool's output, parsed.
    auto mounts = sh("findmnt --json --target {}", repo).json();
    std::cout << "the repository lives on a " << mounts["filesystems"][0]["fstype"].get<std::string>()
              << " file system\n";

    // Lines as they come, from a command still running.
    int commits = 0;
    for (const auto& line : here("git rev-list HEAD").readLines()) commits += !line.empty();
    std::cout << commits << " commits\n";

    // A command allowed to fail, and one that fails: the error says what, where, how.
    auto missing = here.nothrow()("git rev-parse --verify -q {}", "v1.0").run();
    std::cout << "tag v1.0 " << (missing.ok() ? "exists" : "does not exist yet") << "\n";
    try {
        here("git checkout -q {}", "no-such-branch").run();
    } catch (const ScriptError& e) {
        std::cout << "caught: " << e.what();
    }

    fs::remove_all(repo);
    std::cout << "done\n";
    return EXIT_SUCCESS;
}
