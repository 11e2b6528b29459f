#pragma once
// Subcommand registry. Each app/cmd_*.cpp registers one top-level subcommand with
// TAILOR_COMMAND; main() adds them all to the CLI11 app in name order.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tailor::app {

struct Command {
  std::string name;
  std::string help;
  // Adds options to `cmd` and sets its callback.
  std::function<void(CLI::App& cmd)> setup;
};

std::vector<Command>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, std::string help, std::function<void(CLI::App&)> setup) {
    command_registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace tailor::app

#define TAILOR_CONCAT_INNER(a, b) a##b
#define TAILOR_CONCAT(a, b) TAILOR_CONCAT_INNER(a, b)
#define TAILOR_COMMAND(name, help, setup) \
  static ::tailor::app::CommandRegistrar TAILOR_CONCAT(tailor_command_, __LINE__)(name, help, setup)
