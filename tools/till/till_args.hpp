// The till's command line: its own shop, the basket, where the access card is and how PINs
// are read. Parsed into one value so the rules are unit-tested without a card.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::till {

struct BasketItem {
  std::string sku;
  uint32_t quantity = 1;
};

struct TillOptions {
  std::string shop;      // https://host:port/ of the till's own shop
  std::string certFile;  // the till's client certificate and key for its shop (PEM)
  std::string keyFile;
  std::string caFile;  // the CA of the shop's certificate
  std::vector<BasketItem> basket;
  // --settle REF instead of a basket: finishes an order a cut-off payment left unsettled (pays it
  // at most once: the purse answers an identical retry with the original record).
  std::string settleRef;
  std::string reader;     // empty: the access card by its ATR
  bool pinStdin = false;  // PINs one line each from stdin: the access card PIN, then PIN2 if asked
  bool verbose = false;
  bool help = false;
};

// args excludes the program name; errors name the offending argument.
Result<TillOptions> parseTillArgs(const std::vector<std::string>& args);
const char* tillUsage();

}  // namespace hp::till
