#include "host/terminal/cli_args.hpp"

#include "host/terminal/money.hpp"

namespace hp::terminal {

namespace {

// buy --repeat: several payments over one channel (benchmarks, a till's batch); the cap keeps a
// typo from emptying the purse in one command.
constexpr unsigned long kMaxRepeat = 10000;
// buy QTY: the shop's own limit (tools/shop_server/shop_api.cpp kMaxQuantity), so the terminal
// refuses what the shop would refuse, before any order or channel.
constexpr unsigned long kMaxQuantity = 1000;

// "-2" is a quantity typed with a sign, not an option: told as a bad quantity.
bool looksNumeric(const std::string& arg) {
  return arg.size() > 1 && arg[0] == '-' &&
         arg.find_first_not_of("0123456789.", 1) == std::string::npos;
}

std::optional<Command> commandNamed(const std::string& name) {
  if (name == "unlock") return Command::kUnlock;
  if (name == "lock") return Command::kLock;
  if (name == "pin2") return Command::kPin2;
  if (name == "get") return Command::kGet;
  if (name == "post") return Command::kPost;
  if (name == "sessions") return Command::kSessions;
  if (name == "finish") return Command::kFinish;
  if (name == "status") return Command::kStatus;
  if (name == "buy") return Command::kBuy;
  if (name == "balance") return Command::kBalance;
  if (name == "history") return Command::kHistory;
  if (name == "topup") return Command::kTopup;
  if (name == "cancel") return Command::kCancel;
  if (name == "pay") return Command::kPay;
  if (name == "refund") return Command::kRefund;
  if (name == "revoke") return Command::kRevoke;
  if (name == "appliances") return Command::kAppliances;
  if (name == "appliance") return Command::kAppliance;
  if (name == "dav") return Command::kDav;
  if (name == "help" || name == "--help" || name == "-h") return Command::kHelp;
  return std::nullopt;
}

}  // namespace

const char* usageText() {
  return "usage: terminal [--reader NAME] [-v] COMMAND\n"
         "  unlock [--pin-stdin | --bio FILE]   unlock the access card (PIN or biometric sample)\n"
         "  lock                                lock the access card\n"
         "  pin2 [--pin-stdin]                  give PIN2 to the home card (crypto state)\n"
         "  get URL... [--relay|--delegate]     fetch https URLs through the home server, in\n"
         "                                      order, over one control channel (the mode\n"
         "                                      measured faster unless one is forced)\n"
         "  post URL --data STRING|@FILE [--relay|--delegate]\n"
         "  sessions                            the home server's cached shop sessions\n"
         "  finish                              home card back to standby\n"
         "  status                              access card and home card state\n"
         "  buy URL SKU [QTY] [--repeat N] [--relay]\n"
         "                                      order at the shop URL and pay from the purse;\n"
         "                                      N orders one after the other over one channel\n"
         "  balance                             the purse's balance\n"
         "  history                             the purse's log (payments, top-ups, refunds)\n"
         "  topup BANK_URL ACCOUNT AMOUNT       charge the purse from a bank (AMOUNT like 20.00)\n"
         "  cancel URL ORDER_REF                cancel a paid order at the shop, refund the "
         "purse\n"
         "  pay URL ORDER_REF [--relay]         pay an existing order (again): after a failed "
         "buy,\n"
         "                                      the purse answers a retry with the same record\n"
         "  refund URL ORDER_REF                finish a cancellation that was cut off (the\n"
         "                                      order is cancel_pending): the purse answers a\n"
         "                                      retry with the same refund record\n"
         "  revoke TERMINAL_ID                  revoke a lost access card (needs PIN2)\n"
         "  appliances                          the home's appliances and their states\n"
         "  appliance NAME [on|off|lock|unlock|VALUE]\n"
         "                                      show or set one (a lock needs pin2); exit 0\n"
         "                                      only when the device confirmed the change\n"
         "  dav [--listen 127.0.0.1:5232]       serve CalDAV/CardDAV on loopback from the home\n"
         "                                      server's store while the card is unlocked\n";
}

// Long on purpose (issue 11): a dispatch over the options, one branch each.
// NOLINTNEXTLINE(readability-function-size)
Result<CliOptions> parseCliArgs(const std::vector<std::string>& args) {
  CliOptions options;
  std::vector<std::string> positional;
  bool repeatGiven = false;
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
    } else if (arg == "--listen") {
      auto v = value("--listen");
      if (!v) return v.error();
      options.listen = *v;
    } else if (arg == "--relay") {
      options.relay = true;
    } else if (arg == "--delegate") {
      options.delegate = true;
    } else if (arg == "--repeat") {
      auto v = value("--repeat");
      if (!v) return v.error();
      if (v->empty() || v->size() > 5 || v->find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(*v) == 0 || std::stoul(*v) > kMaxRepeat) {
        return makeError("--repeat \"" + *v + "\" must be a whole number from 1 to " +
                         std::to_string(kMaxRepeat));
      }
      options.repeat = static_cast<uint32_t>(std::stoul(*v));
      repeatGiven = true;
    } else if (arg == "--data") {
      auto v = value("--data");
      if (!v) return v.error();
      if (options.data) return makeError("--data given twice");
      options.data = *v;
    } else if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-h" && arg != "--help" &&
               !looksNumeric(arg)) {
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
  // The operands: how many, and what the user is told when they are missing.
  size_t expected = takesUrl ? 2 : 1;
  size_t optional = 0;
  const char* needs = "a URL";
  switch (options.command) {
    case Command::kBuy:
      expected = 3;
      optional = 1;
      needs = "URL SKU [QTY]";
      break;
    case Command::kTopup:
      expected = 4;
      needs = "BANK_URL ACCOUNT AMOUNT";
      break;
    case Command::kCancel:
    case Command::kPay:
    case Command::kRefund:
      expected = 3;
      needs = "URL ORDER_REF";
      break;
    case Command::kRevoke:
      expected = 2;
      needs = "a TERMINAL_ID";
      break;
    case Command::kAppliances:
      expected = 1;
      break;
    case Command::kAppliance:
      expected = 2;
      optional = 1;
      needs = "NAME [VALUE]";
      break;
    default:
      break;
  }
  if (positional.size() < expected) return makeError(positional[0] + " needs " + needs);
  // get takes several URLs: one channel (one handshake) serves them all.
  const bool manyUrls = options.command == Command::kGet;
  if (positional.size() > expected + optional && !manyUrls) {
    return makeError("unexpected argument \"" + positional[expected + optional] + "\"");
  }
  if (options.command == Command::kRevoke) {
    options.terminalId = positional[1];
  } else if (options.command == Command::kAppliance) {
    options.appliance = positional[1];
    if (positional.size() > 2) options.applianceValue = positional[2];
  } else if (expected > 1) {
    options.url = positional[1];
  }
  if (takesUrl) options.urls.assign(positional.begin() + 1, positional.end());
  if (options.command == Command::kBuy) {
    options.sku = positional[2];
    if (positional.size() > 3) {
      const std::string& text = positional[3];
      if (text.empty() || text.size() > 4 ||
          text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0 ||
          std::stoul(text) > kMaxQuantity) {
        return makeError("quantity \"" + text + "\" must be a whole number from 1 to " +
                         std::to_string(kMaxQuantity));
      }
      options.quantity = static_cast<uint32_t>(std::stoul(text));
    }
  } else if (options.command == Command::kTopup) {
    options.account = positional[2];
    auto amount = parseAmount(positional[3]);
    if (!amount) return amount.error();
    options.amount = *amount;
  } else if (options.command == Command::kCancel || options.command == Command::kPay ||
             options.command == Command::kRefund) {
    options.orderRef = positional[2];
  }

  if (options.command == Command::kPost && !options.data) {
    return makeError("post needs --data STRING or --data @FILE");
  }
  if (options.command != Command::kPost && options.data) {
    return makeError("--data goes only with post");
  }
  if (!takesUrl && options.command != Command::kBuy && options.command != Command::kPay &&
      options.relay) {
    return makeError("--relay goes only with get, post, buy and pay");
  }
  if (options.delegate && options.command != Command::kGet && options.command != Command::kPost) {
    return makeError("--delegate goes only with get and post");
  }
  if (options.delegate && options.relay)
    return makeError("--relay and --delegate exclude each other");
  if (!options.listen.empty() && options.command != Command::kDav) {
    return makeError("--listen goes only with dav");
  }
  if (repeatGiven && options.command != Command::kBuy)
    return makeError("--repeat goes only with buy");
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
