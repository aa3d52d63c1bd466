#include "host/home_server/purse/purse_service.hpp"

#include <algorithm>

#include "host/home_server/purse/purse_errors.hpp"
#include "host/home_server/purse/purse_service_detail.hpp"

namespace hp::home_server {

namespace {

namespace purse = protocol::purse;
using protocol::rpc::makeRpcError;
using protocol::rpc::RpcError;
using purse_detail::decodeSignedRecord;
using purse_detail::invalid;
using purse_detail::upstream;

std::string text(ByteView bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

PurseService::PurseService(PurseServiceParts parts) : parts_(std::move(parts)) {}

void PurseService::changed(uint32_t txn) {
  if (txn <= highestTxn_) return;
  highestTxn_ = txn;
  if (parts_.purseChanged) parts_.purseChanged();
}

PurseAnswer<PurseStatus> PurseService::balance() {
  std::lock_guard lock(mutex_);
  auto status = parts_.card->purseStatus();
  if (!status) return purseError(PurseOperation::kStatus, status.error(), "purse status");
  return status.value();
}

PurseAnswer<std::vector<purse::LogEntry>> PurseService::readLogLocked(uint32_t fromTxn) {
  std::vector<purse::LogEntry> all;
  uint32_t next = fromTxn;
  // Each READ LOG answer holds as many whole entries as fit; the card keeps 64, so a few
  // pages end it. The bound guards against a card that keeps answering the same page.
  for (int page = 0; page < 70; ++page) {
    auto entries = parts_.card->purseReadLog(next);
    if (!entries) return purseError(PurseOperation::kReadLog, entries.error(), "purse log");
    if (entries->empty()) return all;
    for (auto& entry : *entries) {
      if (entry.txn < next)
        return makeRpcError(protocol::rpc::code::kCardError, "the card's log is out of order");
      next = entry.txn + 1;
      all.push_back(std::move(entry));
    }
  }
  return all;
}

PurseAnswer<std::vector<purse::LogEntry>> PurseService::history(uint32_t fromTxn) {
  std::lock_guard lock(mutex_);
  return readLogLocked(fromTxn);
}

PurseAnswer<bool> PurseService::inspectLog(const LogInspector& inspect) {
  std::lock_guard lock(mutex_);
  auto status = parts_.card->purseStatus();
  if (!status) return purseError(PurseOperation::kStatus, status.error(), "purse status");
  auto log = readLogLocked(status->oldestLoggedTxn);
  if (!log) return log.error();
  inspect(*status, *log);
  return true;
}

PurseAnswer<PaymentDone> PurseService::pay(const ShopUrl& shop,
                                           const std::optional<std::string>& shopIdClaim,
                                           const std::string& orderRef, const std::string& currency,
                                           uint64_t amount, const std::string& viaTill) {
  // The card pays the shop ID it is told; it must be the host our handshake verified, never a
  // name the order (or the terminal) merely claims.
  if (shopIdClaim && *shopIdClaim != shop.host) {
    return makeRpcError(purse_code::kShopMismatch, "the order is for shop \"" + *shopIdClaim +
                                                       "\" but the URL's host is \"" + shop.host +
                                                       "\"");
  }
  if (shop.host.size() > purse::kMaxPartyIdSize) {
    return invalid("the shop's host name is longer than a purse party ID (32)");
  }
  if (auto verified = parts_.verifyShop(shop); !verified) {
    return upstream("could not verify shop " + shop.shopKey() + ": " + verified.error().message);
  }
  std::lock_guard lock(mutex_);
  const std::string subject = "payment of order " + orderRef + " to " + shop.host;
  auto record = parts_.card->purseDebit(parts_.nowMs(), bytesOf(shop.host), bytesOf(orderRef),
                                        currency, amount);
  if (!record) {
    RpcError error = purseError(PurseOperation::kDebit, record.error(), subject);
    if (record.error().sw == 0x6985) {
      // No purse, or a different payment for this order: the status and the log tell which.
      auto status = parts_.card->purseStatus();
      if (!status) return purseError(PurseOperation::kStatus, status.error(), subject);
      if (auto log = readLogLocked(status->oldestLoggedTxn); log) {
        for (const auto& entry : *log) {
          if (entry.kind == purse::EntryKind::kDebit && text(entry.party) == shop.host &&
              text(entry.reference) == orderRef) {
            error.message = subject + ": the order was already paid with " +
                            moneyText(entry.amount, entry.currency) + " (txn " +
                            std::to_string(entry.txn) + ")";
            error.data["txn"] = entry.txn;
          }
        }
      }
    } else if (record.error().sw == 0x9401) {
      if (auto status = parts_.card->purseStatus(); status) {
        error.data["balance"] = Json::UInt64(status->balance);
      }
    }
    return error;
  }
  auto decoded = decodeSignedRecord(*record);
  if (!decoded || decoded->entry.kind != purse::EntryKind::kDebit) {
    return makeRpcError(protocol::rpc::code::kCardError, "the card's payment record is malformed");
  }
  parts_.log->info("purse: paid " + std::to_string(amount) + " " + currency + " to " + shop.host +
                   " (txn " + std::to_string(decoded->entry.txn) + ")");
  if (!viaTill.empty() && parts_.paidVia) {
    parts_.paidVia(toHex(decoded->purseId), decoded->entry.txn, viaTill);
  }
  changed(decoded->entry.txn);
  return PaymentDone{std::move(record.value()), decoded->entry.txn, decoded->entry.balanceAfter};
}

PurseAnswer<RefundDone> PurseService::cancel(ByteView signedCancellation) {
  auto parts = purse::splitSigned(signedCancellation);
  auto cancellation = parts ? purse::decodeCancellation(parts->body) : std::nullopt;
  if (!cancellation) return invalid("the cancellation is malformed");
  std::lock_guard lock(mutex_);
  const std::string subject = "cancellation of txn " + std::to_string(cancellation->txn) + " (" +
                              text(cancellation->shopId) + ", order " +
                              text(cancellation->orderRef) + ")";
  auto record = parts_.card->purseCancel(parts_.nowMs(), signedCancellation);
  if (!record) {
    RpcError error = purseError(PurseOperation::kCancel, record.error(), subject);
    if (record.error().sw == 0x6985) {
      auto status = parts_.card->purseStatus();
      if (!status) return purseError(PurseOperation::kStatus, status.error(), subject);
      bool refunded = false;
      if (auto log = readLogLocked(status->oldestLoggedTxn); log) {
        for (const auto& entry : *log) {
          if (entry.kind == purse::EntryKind::kRefund && entry.relatedTxn == cancellation->txn) {
            refunded = true;
            error.data["refund_txn"] = entry.txn;
          }
        }
      }
      if (!refunded) {
        // Refunded once, but so long ago that the refund left the log: the card still knows.
        error.message = subject + ": the card refuses it as a repeat (already refunded)";
      }
    }
    return error;
  }
  auto decoded = decodeSignedRecord(*record);
  if (!decoded || decoded->entry.kind != purse::EntryKind::kRefund) {
    return makeRpcError(protocol::rpc::code::kCardError, "the card's refund record is malformed");
  }
  parts_.log->info("purse: refunded " + std::to_string(decoded->entry.amount) + " " +
                   decoded->entry.currency + " from " + text(cancellation->shopId) + " (txn " +
                   std::to_string(decoded->entry.txn) + ")");
  changed(decoded->entry.txn);
  return RefundDone{*record, decoded->entry.txn, decoded->entry.amount,
                    decoded->entry.balanceAfter};
}

}  // namespace hp::home_server
