// The `tailor` CLI entry point: builds the subcommand tree and maps errors to exit codes.
//   0 success, 1 user error (bad input; the message names the file and field),
//   2 usage error, 3 internal error (a bug: please report it).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "app/command.h"
#include "runtime/error.h"

namespace tailor::app {
std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}
}  // namespace tailor::app

int main(int argc, char** argv) {
  using namespace tailor;
  // A write past RLIMIT_FSIZE then fails with EFBIG, which the writers report as an error
  // naming the file, instead of the process dying by a signal.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App cli{"Tailor: SSD-MobileNet-v1 training, evaluation and detection engine"};
  cli.require_subcommand(1);
  cli.set_help_all_flag("--help-all", "Show help for every subcommand");
  auto& registry = app::command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const app::Command& a, const app::Command& b) { return a.name < b.name; });
  for (auto& c : registry) c.setup(*cli.add_subcommand(c.name, c.help));
  try {
    cli.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "tailor: usage error: " << e.what() << "\n";
    return 2;
  } catch (const UserError& e) {
    std::cerr << "tailor: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "tailor: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tailor: internal error: " << e.what() << "\n";
    return 3;
  }
}
