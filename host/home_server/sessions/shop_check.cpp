#include "host/home_server/sessions/shop_check.hpp"

#include <algorithm>
#include <memory>

namespace hp::home_server {

namespace {

// The user's certificate for the shop's CertificateRequest, and no signature: mbedTLS verifies
// the shop's chain and host name before the client signs (CertificateVerify), so being asked to
// sign proves the shop checked out.
class StopAtSignature final : public tls_proxy::ClientKeySigner {
 public:
  explicit StopAtSignature(tls_proxy::ClientKeySigner& user) : user_(user) {}
  tls_proxy::KeyType keyType() const override { return user_.keyType(); }
  Bytes certificateDer() const override { return user_.certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t, ByteView) override {
    asked = true;
    return makeError("certificate check only: no signature");
  }
  bool asked = false;

 private:
  tls_proxy::ClientKeySigner& user_;
};

}  // namespace

bool ShopCheck::checkWithoutSignature(const SessionManager::Handshake& handshake,
                                      const tls_proxy::DelegatedHandshakeRequest& request,
                                      tls_proxy::ClientKeySigner& user) {
  StopAtSignature signer(user);
  (void)handshake(request, signer);
  return signer.asked;
}

ShopCheck::ShopCheck(uint32_t lifetimeSeconds, tls_proxy::UnixClock now, ServerLog& log,
                     size_t maxShops)
    : lifetimeSeconds_(lifetimeSeconds),
      now_(std::move(now)),
      log_(log),
      maxShops_(std::max<size_t>(maxShops, 1)) {}

SessionManager::Handshake ShopCheck::observing(SessionManager::Handshake inner) {
  return [this, inner = std::move(inner)](
             const tls_proxy::DelegatedHandshakeRequest& request,
             tls_proxy::ClientKeySigner& signer) -> Result<tls_proxy::DelegatedSession> {
    // The key verify() looks up with ShopUrl::shopKey(): one spelling for both.
    const std::string key = protocol::url::shopKeyOf(request.host, request.port);
    auto judged = std::make_shared<bool>(false);
    tls_proxy::DelegatedHandshakeRequest watched = request;
    watched.certificateJudged = [this, key, judged, outer = request.certificateJudged](
                                    const std::optional<tls_proxy::CertificateSha256>& leaf) {
      *judged = true;
      if (leaf) {
        verified(key, *leaf);
      } else {
        forget(key, "its certificate did not verify");
      }
      if (outer) outer(leaf);
    };
    auto result = inner(watched, signer);
    // Failed without judging a certificate (no connection, refused by the relay policy, broken
    // before the shop's Certificate): what the shop presents now is unknown, so no check stands.
    if (!result && !*judged) forget(key, "a handshake failed before verifying it");
    return result;
  };
}

std::optional<ShopCheck::Entry> ShopCheck::freshEntry(const std::string& shopKey) {
  auto found = entries_.find(shopKey);
  if (found == entries_.end()) return std::nullopt;
  const int64_t age = now_() - found->second.checkedUnix;
  // A clock that went back counts as expired too.
  if (age < 0 || age >= int64_t{lifetimeSeconds_}) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

bool ShopCheck::fresh(const std::string& shopKey) {
  std::lock_guard lock(mutex_);
  return freshEntry(shopKey).has_value();
}

std::optional<tls_proxy::CertificateSha256> ShopCheck::freshLeaf(const std::string& shopKey) {
  std::lock_guard lock(mutex_);
  auto entry = freshEntry(shopKey);
  if (!entry) return std::nullopt;
  return entry->leaf;
}

void ShopCheck::verified(const std::string& shopKey, const tls_proxy::CertificateSha256& leaf) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(shopKey);
    changed = found != entries_.end() && found->second.leaf != leaf;
    if (found == entries_.end() && entries_.size() >= maxShops_) {
      auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
        return a.second.checkedUnix < b.second.checkedUnix;
      });
      entries_.erase(oldest);
    }
    entries_[shopKey] = Entry{leaf, now_()};
  }
  // A renewal, or someone else's certificate for this name from a trusted CA: either way the
  // handshake that saw it verified it in full, so it is the one checked now.
  if (changed) log_.warn("shop check " + shopKey + ": the shop presents another certificate now");
}

void ShopCheck::forget(const std::string& shopKey, const std::string& why) {
  bool had = false;
  {
    std::lock_guard lock(mutex_);
    had = entries_.erase(shopKey) > 0;
  }
  if (had) log_.info("shop check " + shopKey + ": dropped: " + why);
}

Result<void> ShopCheck::verify(const ShopUrl& shop, const Check& openSession,
                               const Check& checkCertificate) {
  const std::string key = shop.shopKey();
  if (fresh(key)) {
    std::lock_guard lock(mutex_);
    ++hits_;
    return {};
  }
  auto opened = openSession(shop);
  if (opened) return {};
  // In standby the card refuses the session's signature, after mbedTLS verified the shop.
  if (fresh(key)) return {};
  if (checkCertificate(shop)) return {};
  return opened.error();
}

size_t ShopCheck::handshakesSaved() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace hp::home_server
