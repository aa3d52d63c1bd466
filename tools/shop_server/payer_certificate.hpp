// A payer's certificate sent with a payment by a till (docs/shops.md, "Tills"): the till posts
// the customer's card-signed record over its OWN client-certificate session, so the record is
// checked against the customer's certificate it carries instead of the session's. The
// certificate must chain to the CA that issues user certificates (the shop's --ca), so only a
// card of that CA's users can have signed a record it accepts.
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "tools/merchant/api_error.hpp"
#include "tools/merchant/peer_identity.hpp"

namespace hp::shop_server {

Result<merchant::PeerIdentity, merchant::ApiError> verifiedPayer(ByteView der,
                                                                 const std::string& caFile);

}  // namespace hp::shop_server
