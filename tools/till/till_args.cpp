#include "tools/till/till_args.hpp"

namespace hp::till {

namespace {

constexpr uint32_t kMaxQuantity = 1000;  // the shop's own limit
constexpr size_t kMaxItems = 32;

Result<BasketItem> parseItem(const std::string& text) {
  BasketItem item;
  const size_t colon = text.find(':');
  item.sku = text.substr(0, colon);
  if (item.sku.empty() || item.sku.size() > 64) {
    return makeError("item \"" + text + "\": SKU must be 1..64 characters");
  }
  if (colon == std::string::npos) return item;
  const std::string count = text.substr(colon + 1);
  if (count.empty() || count.size() > 4 ||
      count.find_first_not_of("0123456789") != std::string::npos || std::stoul(count) == 0 ||
      std::stoul(count) > kMaxQuantity) {
    return makeError("item \"" + text + "\": quantity must be a whole number from 1 to 1000");
  }
  item.quantity = static_cast<uint32_t>(std::stoul(count));
  return item;
}

}  // namespace

const char* tillUsage() {
  return "usage: till --shop URL --cert TILL.pem --key TILL.key --ca CA.pem [--reader NAME]\n"
         "            [--pin-stdin] [-v] (SKU[:QTY]... | --settle ORDER_REF)\n"
         "  rings up the basket at the till's own shop, asks for the customer's access card and\n"
         "  PIN (and PIN2 above the access card PIN's limit), pays each order from the\n"
         "  customer's purse through their home server and prints the receipt;\n"
         "  --settle finishes an order whose payment was cut off (it pays at most once)\n";
}

Result<TillOptions> parseTillArgs(const std::vector<std::string>& args) {
  TillOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--shop" || arg == "--reader" || arg == "--cert" || arg == "--key" ||
               arg == "--ca" || arg == "--settle") {
      if (i + 1 >= args.size()) return makeError(arg + " needs a value");
      std::string& value = arg == "--shop"     ? options.shop
                           : arg == "--reader" ? options.reader
                           : arg == "--cert"   ? options.certFile
                           : arg == "--key"    ? options.keyFile
                           : arg == "--settle" ? options.settleRef
                                               : options.caFile;
      value = args[++i];
    } else if (arg == "--pin-stdin") {
      options.pinStdin = true;
    } else if (arg == "-v") {
      options.verbose = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return makeError("unknown option \"" + arg + "\"");
    } else {
      auto item = parseItem(arg);
      if (!item) return item.error();
      options.basket.push_back(std::move(*item));
    }
  }
  if (options.help) return options;
  if (options.shop.empty()) return makeError("--shop URL is required (the till's own shop)");
  if (options.certFile.empty() || options.keyFile.empty() || options.caFile.empty()) {
    return makeError("--cert, --key and --ca are required (the till's own TLS with its shop)");
  }
  if (!options.settleRef.empty()) {
    if (!options.basket.empty()) return makeError("--settle takes no basket");
    if (options.settleRef.size() > 64 ||
        options.settleRef.find_first_of("/?#% ") != std::string::npos) {
      return makeError("--settle: not an order reference: \"" + options.settleRef + "\"");
    }
    return options;
  }
  if (options.basket.empty()) return makeError("the basket is empty: give SKU[:QTY]...");
  if (options.basket.size() > kMaxItems) return makeError("at most 32 items in a basket");
  return options;
}

}  // namespace hp::till
