// The till's own HTTPS link to its shop: the till's client certificate and key (hp_provision's
// till.pem / till.key), one full handshake, then each request over a resumed session. The
// customer's identity never travels here: their card signs only the payment record, which the
// till posts with the customer's certificate (docs/shops.md, "Tills").
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "host/terminal/http_message.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/software_signer.hpp"

namespace hp::till {

class ShopLink {
 public:
  // `connectAddress` empty: the URL's host.
  static Result<std::unique_ptr<ShopLink>> create(const terminal::HttpsUrl& shop,
                                                  const std::string& certFile,
                                                  const std::string& keyFile,
                                                  const std::string& caFile);
  // One request (path below the shop's URL), its answer read until the shop closes.
  Result<terminal::HttpAnswer> request(const std::string& method, const std::string& path,
                                       const std::string& body);

 private:
  ShopLink() = default;
  Result<terminal::HttpAnswer> once(const std::string& method, const terminal::HttpsUrl& url,
                                    const std::string& body);

  terminal::HttpsUrl shop_;
  std::string caFile_;
  std::unique_ptr<tls_proxy::SoftwareSigner> signer_;
  std::optional<tls_proxy::SessionBlob> session_;
};

}  // namespace hp::till
