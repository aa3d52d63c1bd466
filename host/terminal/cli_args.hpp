// The terminal CLI's command line, parsed into one value so main() only dispatches and the
// rules (which option goes with which subcommand) are unit-tested without a card.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::terminal {

enum class Command {
  kUnlock,
  kLock,
  kPin2,
  kGet,
  kPost,
  kSessions,
  kFinish,
  kStatus,
  kBuy,
  kBalance,
  kHistory,
  kTopup,
  kCancel,
  kPay,
  kRefund,
  kRevoke,
  kAppliances,
  kAppliance,
  kDav,
  kHelp
};

struct CliOptions {
  Command command = Command::kHelp;
  std::string url;  // get, post: the (first) URL; buy, cancel: the shop; topup: the bank
  std::vector<std::string> urls;    // get: every URL, fetched in order over one channel
  std::string sku;                  // buy
  uint32_t quantity = 1;            // buy
  uint32_t repeat = 1;              // buy: that many orders, each paid, over one channel
  std::string account;              // topup
  uint64_t amount = 0;              // topup, minor units
  std::string orderRef;             // cancel, pay, refund
  std::string terminalId;           // revoke: the lost terminal (access card)
  std::string appliance;            // appliance: its name
  std::string applianceValue;       // appliance: on|off|lock|unlock|NUMBER|MODE; empty: show
  std::optional<std::string> data;  // post: "STRING" or "@FILE" as given
  bool relay = false;               // get, post, buy: relay.request instead of delegation
  bool delegate = false;            // get, post: delegation, whatever the agent measured
  std::string reader;               // empty: find the access card by its ATR
  std::string listen;               // dav: IPV4:PORT on loopback (empty: 127.0.0.1:5232)
  bool pinStdin = false;            // unlock, pin2: one line from stdin instead of the tty
  std::string bioFile;              // unlock: a 32-byte sample in hex instead of the PIN
  bool verbose = false;             // progress lines on stderr
};

// args excludes the program name. Errors name the offending argument.
Result<CliOptions> parseCliArgs(const std::vector<std::string>& args);

const char* usageText();

}  // namespace hp::terminal
