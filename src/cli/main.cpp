// dnswitness: records what DNS resolvers answer for X's domains, as evidence that can be checked.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>
#include <map>
#include <vector>

#include "cli/commands.h"
#include "cli/ledger_options.h"
#include "cli/option_checks.h"
#include "dnswitness/version.h"
#include "model/printable.h"
#include "model/errors.h"
#include "model/safe_file.h"
#include "ondemand/shared_library.h"

using namespace dnswitness;

int main(int argc, char** argv) {
  CLI::App app{
      "dnswitness: observe which IP addresses X's domains (twitter.com, x.com, t.co, ...) resolve to,\n"
      "keep every answer with its raw DNS bytes, and produce evidence that anyone can verify.\n"};
  app.name("dnswitness");
  app.set_version_flag("--version", fmt::format("dnswitness {} ({})", kToolVersion, kToolCommit));
  app.require_subcommand(1);
  app.footer("Run 'dnswitness COMMAND --help' for the options of a command.");

  // Each registration adds one subcommand; its action runs when that subcommand was chosen.
  std::vector<cli::Action> registered = {
      cli::add_resolve_snapshot(app),
      cli::add_keygen(app),
      cli::add_verify_ledger(app),
      cli::add_history(app),
      cli::add_reindex(app),
      cli::add_backup(app),
      cli::add_migrate(app),
      cli::add_publish(app),
      cli::add_push(app),
      cli::add_mirror(app),
      cli::add_witness(app),
      cli::add_collector(app),
      cli::add_logins(app),
      cli::add_report(app),
      cli::add_verify(app),
      cli::add_watch(app),
      cli::add_schedule(app),
      cli::add_status(app),
      cli::add_events(app),
      cli::add_export(app),
      cli::add_show(app),
  };
  cli::apply_option_rules(app);
  std::map<CLI::App*, cli::Action> actions;
  const auto subs = app.get_subcommands({});
  for (std::size_t i = 0; i < subs.size() && i < registered.size(); ++i) actions[subs[i]] = registered[i];

  // `dnswitness` alone shows what it can do; a word that is no command names those that are.
  if (argc == 1) {
    std::cout << app.help();
    return cli::kExitUsage;
  }
  if (argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : subs) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << fmt::format("dnswitness: '{}' is not a command; the commands are {} (dnswitness COMMAND --help "
                               "explains one).\n",
                               printable(argv[1]), fmt::join(names, ", "));
      return cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11's messages quote the arguments as given: escaped, like every message we print.
    std::cerr << printable(e.what()) << "\nRun with --help for more information.\n";
    return cli::kExitUsage;
  }
  try {
    for (auto* sub : app.get_subcommands())
      if (auto it = actions.find(sub); it != actions.end()) return it->second();
    return cli::kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "dnswitness: " << printable(e.what()) << '\n';
    return cli::kExitUsage;
  } catch (const FileWriteError& e) {
    // An output file that could not be made or written: its sentence says which and what to do.
    std::cerr << "dnswitness: " << printable(e.what()) << '\n';
    return e.stage() == FileWriteError::Stage::create ? cli::kExitUsage : cli::kExitInternal;
  } catch (const ondemand::MissingLibrary& e) {
    // A library this command opens on first use is not installed: the sentence names its package.
    std::cerr << "dnswitness: " << printable(e.what()) << '\n';
    return cli::kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "dnswitness: internal error: " << e.what() << '\n';
    return cli::kExitInternal;
  }
}
