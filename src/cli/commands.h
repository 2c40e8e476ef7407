// The gaitlens command-line tool: one file per subcommand, registered in main.cc's table.
#ifndef GAITLENS_SRC_CLI_COMMANDS_H_
#define GAITLENS_SRC_CLI_COMMANDS_H_

#include <functional>

#include <CLI/CLI.hpp>

namespace gaitlens::cli {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitSomeInputsFailed = 1;  // batch went on, but at least one input failed
inline constexpr int kExitUsage = 2;             // bad command line or options

// Adds a subcommand to `app` and returns what runs when the user picks it.
using CommandRunner = std::function<int()>;
CommandRunner AddProbeCommand(CLI::App* app);
CommandRunner AddKeypointsCommand(CLI::App* app);
CommandRunner AddDemoCommand(CLI::App* app);
CommandRunner AddSynthCommand(CLI::App* app);
CommandRunner AddModelsCommand(CLI::App* app);
CommandRunner AddPoseCommand(CLI::App* app);
CommandRunner AddFitCommand(CLI::App* app);

}  // namespace gaitlens::cli

#endif  // GAITLENS_SRC_CLI_COMMANDS_H_
