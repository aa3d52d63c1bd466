#include "tools/provision/server_configs.hpp"

#include <json/json.h>

namespace hp::provision {

namespace {

std::string written(const Json::Value& config) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "  ";
  return Json::writeString(builder, config) + "\n";
}

Json::Value item(const char* sku, const char* name, uint64_t price) {
  Json::Value value(Json::objectValue);
  value["sku"] = sku;
  value["name"] = name;
  value["price"] = Json::UInt64(price);
  return value;
}

// "https://HOST:PORT" from a listen address "ADDR:PORT"; port 0 is shown as PORT (the server
// prints the one the kernel chose).
std::string urlFor(const std::string& host, const std::string& listen) {
  const size_t colon = listen.rfind(':');
  std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  if (port.empty() || port == "0") port = "PORT";
  return "https://" + host + ":" + port;
}

}  // namespace

std::string shopServerJson(const WorldDescription& world) {
  Json::Value config(Json::objectValue);
  config["listen"] = world.shopListen;
  config["cert"] = "shop.pem";
  config["key"] = "shop.key";
  config["ca"] = "ca.pem";
  config["signing_key"] = "shop-sign.key";
  config["shop_id"] = world.shopHost;
  config["db"] = "shop.db";
  Json::Value catalogue(Json::objectValue);
  catalogue["currency"] = world.currency;
  catalogue["items"].append(item("tea", "Green tea", 350));
  catalogue["items"].append(item("cake", "Cake", 1275));
  catalogue["items"].append(item("book", "A book about smart cards", 2990));
  config["catalogue"] = catalogue;
  return written(config);
}

std::string bankServerJson(const WorldDescription& world) {
  Json::Value config(Json::objectValue);
  config["listen"] = world.bankListen;
  config["cert"] = "bank.pem";
  config["key"] = "bank.key";
  config["ca"] = "ca.pem";
  config["signing_key"] = "bank-sign.key";
  config["bank_id"] = world.bankId;
  config["db"] = "bank.db";
  return written(config);
}

std::string bankUrl(const WorldDescription& world) {
  return urlFor(world.bankHost, world.bankListen);
}

std::string shopUrl(const WorldDescription& world) {
  return urlFor(world.shopHost, world.shopListen);
}

}  // namespace hp::provision
