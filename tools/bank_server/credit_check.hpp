// The bank's check of a top-up confirmation (docs/emoney.md, "Bank server"): a card-signed
// PurseRecord of kind credit that took exactly this voucher (bank ID, voucher ID, credit_seq,
// purse ID, currency, amount), signed by the EC P-256 key of the account owner's certificate,
// which is the client certificate of this TLS session. Pure: every refusal is unit-testable.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/merchant/api_error.hpp"

namespace hp::bank_server {

Result<protocol::purse::PurseRecord, merchant::ApiError> checkCreditRecord(
    const protocol::purse::Voucher& voucher, const std::optional<Bytes>& ownerEcPoint,
    const std::string& ownerKeyDescription, ByteView signedRecord);

}  // namespace hp::bank_server
