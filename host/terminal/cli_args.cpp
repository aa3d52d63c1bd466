#include "cli_args.hpp"

namespace hp::terminal {

namespace {

std::optional<Command> commandNamed(const std::string& name) {
  if (name == "unlock") return Command::kUnlock;
  if (name == "lock") return Command::kLock;
  if (name == "pin2") return Command::kPin2;
  if (name == "get") return Command::kGet;
  if (name == "post") return Command::kPost;
  if (name == "sessions") return Command::kSessions;
  if (name == "finish") return Command::kFinish;
  if (name == "status") return Command::kStatus;
  if (name == "help" || name == "--help" || name == "-h") return Command::kHelp;
  return std::nullopt;
}

}  // namespace

const char* usageText() {
  return "usage: terminal [--reader NAME] [-v] COMMAND\n"
         "  unlock [--pin-stdin | --bio FILE]   unlock the access card (PIN or biometric sample)\n"
         "  lock                                lock the access card\n"
         "  pin2 [--pin-stdin]                  give PIN2 to the home card (crypto state)\n"
         "  get URL... [--relay]                fetch https URLs through the home server, in\n"
         "                                      order, over one control channel\n"
         "  post URL --data STRING|@FILE [--relay]\n"
         "  sessions                            the home server's cached shop sessions\n"
         "  finish                              home card back to standby\n"
         "  status                              access card and home card state\n";
}

Result<CliOptions> parseCliArgs(const std::vector<std::string>& args) {
  CliOptions options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* name) -> Result<std::string> {
      if (i + 1 >= args.size()) return makeError(std::string(name) + " needs a value");
      return args[++i];
    };
    if (arg == "--reader") {
      auto v = value("--reader");
      if (!v) return v.error();
      if (v->empty()) return makeError("--reader needs a reader name");
      options.reader = *v;
    } else if (arg == "--pin-stdin") {
      options.pinStdin = true;
    } else if (arg == "--bio") {
      auto v = value("--bio");
      if (!v) return v.error();
      options.bioFile = *v;
    } else if (arg == "--relay") {
      options.relay = true;
    } else if (arg == "--data") {
      auto v = value("--data");
      if (!v) return v.error();
      if (options.data) return makeError("--data given twice");
      options.data = *v;
    } else if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-h" && arg != "--help") {
      return makeError("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return makeError("no command given");
  auto command = commandNamed(positional[0]);
  if (!command) return makeError("unknown command \"" + positional[0] + "\"");
  options.command = *command;

  const bool takesUrl = options.command == Command::kGet || options.command == Command::kPost;
  const size_t expected = takesUrl ? 2 : 1;
  if (positional.size() < expected) return makeError(positional[0] + " needs a URL");
  // get takes several URLs: one channel (one handshake) serves them all.
  const bool manyUrls = options.command == Command::kGet;
  if (positional.size() > expected && !manyUrls) {
    return makeError("unexpected argument \"" + positional[expected] + "\"");
  }
  if (takesUrl) {
    options.url = positional[1];
    options.urls.assign(positional.begin() + 1, positional.end());
  }

  if (options.command == Command::kPost && !options.data) {
    return makeError("post needs --data STRING or --data @FILE");
  }
  if (options.command != Command::kPost && options.data) {
    return makeError("--data goes only with post");
  }
  if (!takesUrl && options.relay) return makeError("--relay goes only with get and post");
  if (options.command != Command::kUnlock && !options.bioFile.empty()) {
    return makeError("--bio goes only with unlock");
  }
  if (options.pinStdin && options.command != Command::kUnlock &&
      options.command != Command::kPin2) {
    return makeError("--pin-stdin goes only with unlock and pin2");
  }
  if (options.pinStdin && !options.bioFile.empty()) {
    return makeError("--bio and --pin-stdin exclude each other");
  }
  return options;
}

}  // namespace hp::terminal
