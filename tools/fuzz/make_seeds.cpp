// Writes the seed corpora of the host parser fuzz targets into DIR/<target>/ (normally
// tools/fuzz/corpus): every seed is made by the project's own encoders (handshake messages,
// sealed records, RPC messages, session blobs and hand-outs, signed purse records), so the seeds
// follow the formats when they change. The card targets' seeds come from make_corpus.py.
// Usage: build-asan/tools/fuzz/make_seeds tools/fuzz/corpus
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "host/channel/frame.hpp"
#include "host/channel/messages.hpp"
#include "host/channel/ticket_store.hpp"
#include "host/rpc/channel_messages.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "protocol/rpc/message.hpp"
#include "tools/fuzz/fuzz_channel_records.hpp"
#include "tools/fuzz/fuzz_purse_fixture.hpp"

namespace {

using hp::base::Bytes;
using hp::base::ByteView;
namespace ch = hp::channel;
namespace purse = hp::protocol::purse;

std::string g_root;

void put(const std::string& target, const std::string& name, ByteView data) {
  const std::string dir = g_root + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}
void put(const std::string& target, const std::string& name, const std::string& text) {
  put(target, name, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
Bytes field(ByteView data) {
  Bytes out{static_cast<uint8_t>(data.size() >> 8), static_cast<uint8_t>(data.size())};
  out.insert(out.end(), data.begin(), data.end());
  return out;
}
Bytes op(uint8_t code, ByteView data) {
  return cat({Bytes{code}, field(data)});
}

hp::base::Rng& rng() {
  static auto instance = hp::base::makeSeededRng(20);
  return *instance;
}
hp::base::EcKeyPair& key() {
  static auto instance = std::move(hp::base::EcKeyPair::generate(rng()).value());
  return *instance;
}
Bytes sign(ByteView hash) {
  return key().signHash(hash, rng()).value();
}

// --- channel messages, frames and records ---
ch::ClientHello clientHello() {
  ch::ClientHello hello;
  hello.share.terminalId = "terminal-1";
  hello.share.ephemeralPoint = key().publicPoint();
  hello.share.createdAtMs = 1'800'000'000'000;
  hello.share.expiresAtMs = 1'800'000'060'000;
  const ch::Hash hash = ch::shareStatementHash(hello.share);
  hello.share.signature = sign(hash);
  hello.clientNonce = Bytes(ch::kNonceSize, 0x11);
  return hello;
}

void channelSeeds() {
  const std::string t = "fuzz_channel_messages";
  put(t, "client_hello", ch::encode(clientHello()));
  ch::ServerHello server;
  server.ephemeralPoint = key().publicPoint();
  server.serverNonce = Bytes(ch::kNonceSize, 0x22);
  server.ticketId = Bytes(ch::kTicketIdSize, 0x33);
  server.ticketLifetimeMs = 86'400'000;
  const Bytes unsigned_ = ch::encodeUnsigned(server);
  server.signature = sign(ch::sha256(unsigned_));
  put(t, "server_hello", ch::encode(server));
  ch::Finished finished;
  finished.mac = Bytes(ch::kMacSize, 0x44);
  put(t, "finished", ch::encode(finished));
  ch::ResumeHello resume;
  resume.ticketId = Bytes(ch::kTicketIdSize, 0x33);
  resume.clientNonce = Bytes(ch::kNonceSize, 0x55);
  put(t, "resume_hello", ch::encode(resume));
  ch::ResumeAccept accept;
  accept.serverNonce = Bytes(ch::kNonceSize, 0x66);
  put(t, "resume_accept", ch::encode(accept));
  ch::Alert alert;
  alert.code = ch::AlertCode::kUnknownTicket;
  alert.text = "unknown ticket";
  put(t, "alert", ch::encode(alert));
  put(t, "frame_header", ch::encodeFrameHeader(ch::FrameType::kApplicationData, 300));

  const std::string f = "fuzz_channel_frames";
  put(f, "frames_stream",
      cat({Bytes{0x00}, ch::makeFrame(ch::FrameType::kHandshake, ch::encode(clientHello())),
           ch::makeFrame(ch::FrameType::kApplicationData, Bytes(40, 0xAB)),
           ch::makeFrame(ch::FrameType::kClose, Bytes(16, 0))}));
  put(f, "frames_truncated",
      cat({Bytes{0x02}, ch::encodeFrameHeader(ch::FrameType::kHandshake, 900), Bytes(10, 1)}));
  put(f, "records_honest_then_close",
      cat({Bytes{0x01}, op(3, text("{\"v\":1}")), op(3, Bytes(300, 0x5C)), op(2, {})}));
  put(f, "records_tampered",
      cat({Bytes{0x01}, op(3, text("first")), op(1, text("second")), Bytes{0x80, 0x07},
           op(3, text("after"))}));
  // The first record again, as an attacker replays it: sealing is deterministic here, so the
  // bytes are those of the honest first record (and of a genuine record as a first op).
  auto other = hp::fuzz::freshChannel();
  const Bytes first = other.client->seal(text("replayed")).value();
  put(f, "records_raw_replay", cat({Bytes{0x01}, op(3, text("replayed")), op(0, first)}));
  put(f, "records_raw_genuine", cat({Bytes{0x01}, op(0, first)}));
}

// --- RPC ---
void rpcSeeds() {
  const std::string t = "fuzz_rpc";
  hp::protocol::rpc::Request request;
  request.id = 7;
  request.method = "echo.text";
  request.params["text"] = "hello";
  const std::string requestText = hp::protocol::rpc::encodeRequest(request);
  put(t, "request", cat({Bytes{0x00}, text(requestText)}));
  put(t, "response_ok",
      cat({Bytes{0x00},
           text(hp::protocol::rpc::encodeResponse(hp::protocol::rpc::successResponse(7, "ok")))}));
  Json::Value data(Json::objectValue);
  data["tries_left"] = 2;
  put(t, "response_error",
      cat({Bytes{0x00}, text(hp::protocol::rpc::encodeResponse(hp::protocol::rpc::errorResponse(
                            7, hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kPinWrong,
                                                               "wrong", data))))}));
  put(t, "json_nested",
      cat({Bytes{0x00}, text("{\"v\":1,\"id\":3,\"method\":\"a.b\",\"params\":{\"x\":[1,2.5,"
                             "true,null,\"\\u00e9\",{\"y\":[[[]]]}]}}")}));
  const std::string head = requestText.substr(0, requestText.size() / 2);
  const std::string tail = requestText.substr(requestText.size() / 2);
  put(t, "fragments",
      cat({Bytes{0x03}, field(cat({Bytes{hp::rpc::kMoreFragments}, text(head)})),
           field(cat({Bytes{hp::rpc::kFinalFragment}, text(tail)}))}));
  const Bytes attachmentText = text(requestText);
  put(t, "fragment_attachment",
      cat({Bytes{0x03}, field(cat({Bytes{hp::rpc::kFinalWithAttachment,
                                         static_cast<uint8_t>(attachmentText.size() >> 8),
                                         static_cast<uint8_t>(attachmentText.size())},
                                   attachmentText, Bytes(99, 0xA7)}))}));
  put(t, "fragments_no_close",
      cat({Bytes{0x01}, field(cat({Bytes{hp::rpc::kMoreFragments}, text(head)}))}));
}

// --- delegated TLS sessions ---
void sessionSeeds() {
  const std::string t = "fuzz_tls_sessions";
  constexpr int64_t kNow = 1'800'000'000;  // fuzz_tls_sessions.cpp's clock
  hp::tls_proxy::SessionBlob blob;
  blob.ciphersuite = 0xC02B;
  blob.masterSecret = hp::base::SecretBytes(Bytes(48, 0x4D));
  blob.sessionId = Bytes(32, 0x49);
  blob.extendedMasterSecret = true;
  blob.host = "shop.localhost";
  blob.port = 4433;
  blob.shopCertificateSha256.fill(0xCE);
  blob.createdUnix = kNow - 60;
  blob.expiresUnix = kNow + 3600;
  put(t, "blob_session_id", hp::tls_proxy::encodeSessionBlob(blob).value().view());
  put(t, "handout_session_id", hp::tls_proxy::encodeSessionHandout(blob, kNow).value().view());
  blob.sessionId.clear();
  blob.ticket = Bytes(120, 0x54);
  blob.ticketLifetimeSeconds = 7200;
  blob.encryptThenMac = true;
  put(t, "blob_ticket", hp::tls_proxy::encodeSessionBlob(blob).value().view());
  put(t, "handout_ticket", hp::tls_proxy::encodeSessionHandout(blob, kNow).value().view());
}

// --- HTTP ---
void httpSeeds() {
  const std::string t = "fuzz_http";
  put(t, "requests_pipelined",
      "\x0e"
      "POST /orders/abc/pay HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
      "Content-Length: 11\r\n\r\n{\"a\":\"xyz\"}GET /orders/abc HTTP/1.0\r\nConnection: "
      "close\r\n\r\n");
  put(t, "request_chunked_refused",
      std::string("\x00", 1) +
          "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  put(t, "request_partial", "\x02GET /orders HTTP/1.1\r\nHost: sh");
  put(t, "response_length",
      "\x01HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  put(t, "response_chunked",
      "\x01HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\n\r\n"
      "4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n");
  // The relay's overflow of issue 9 (4): size + 2 wrapped to 1.
  put(t, "response_chunk_overflow",
      "\x01HTTP/1.1 200 OK\r\nTransfer-Encoding: "
      "chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab\r\n0\r\n\r\n");
}

// --- purse records ---
Bytes signedRecord(const purse::PurseRecord& record) {
  auto& client = hp::fuzz::purseClientKey();
  const Bytes body = purse::encode(record);
  const auto hash = purse::signedHash(purse::kRecordLabel, body);
  return purse::appendSignature(body, client.signHash(hash, rng()).value());
}

void purseSeeds() {
  const std::string t = "fuzz_purse_checks";
  const auto payment = hp::fuzz::fuzzPayment();
  purse::PurseRecord debit;
  debit.purseId = hp::fuzz::fuzzPurseId();
  debit.entry.txn = 7;
  debit.entry.kind = purse::EntryKind::kDebit;
  debit.entry.timeMs = 1'800'000'000'000;
  debit.entry.currency = payment.currency;
  debit.entry.amount = payment.amount;
  debit.entry.balanceAfter = 3750;
  debit.entry.party = text(payment.shopId);
  debit.entry.reference = text(payment.orderRef);
  put(t, "payment", signedRecord(debit));
  purse::PurseRecord refund = debit;
  refund.entry.txn = 9;
  refund.entry.kind = purse::EntryKind::kRefund;
  refund.entry.relatedTxn = 7;
  refund.entry.balanceAfter = 5000;
  put(t, "refund", signedRecord(refund));
  const auto voucher = hp::fuzz::fuzzVoucher();
  purse::PurseRecord credit;
  credit.purseId = voucher.purseId;
  credit.entry.txn = 4;
  credit.entry.kind = purse::EntryKind::kCredit;
  credit.entry.timeMs = 1'800'000'000'000;
  credit.entry.currency = voucher.currency;
  credit.entry.amount = voucher.amount;
  credit.entry.balanceAfter = 5000;
  credit.entry.party = voucher.bankId;
  credit.entry.reference = Bytes(voucher.voucherId.begin(), voucher.voucherId.end());
  credit.entry.relatedTxn = voucher.creditSeq;
  put(t, "credit", signedRecord(credit));
  put(t, "record_unsigned", purse::encode(debit));
  put(t, "log_entry", purse::encode(debit.entry));
  put(t, "voucher", purse::encode(voucher));
  purse::Cancellation cancellation;
  cancellation.shopId = text(payment.shopId);
  cancellation.purseId = debit.purseId;
  cancellation.txn = 7;
  cancellation.orderRef = text(payment.orderRef);
  cancellation.currency = payment.currency;
  cancellation.amount = payment.amount;
  put(t, "cancellation", purse::encode(cancellation));
  purse::Receipt receipt;
  receipt.shopId = text(payment.shopId);
  receipt.orderRef = text(payment.orderRef);
  receipt.purseId = debit.purseId;
  receipt.txn = 7;
  receipt.currency = payment.currency;
  receipt.amount = payment.amount;
  put(t, "receipt", purse::encode(receipt));
}

// --- admin line protocol and vpcd frames ---
void lineAndFrameSeeds() {
  const std::string a = "fuzz_admin_line";
  hp::protocol::rpc::Request request;
  request.id = 1;
  request.method = "status";
  put(a, "status", hp::protocol::rpc::encodeRequest(request) + "\n");
  request.method = "missing.method";
  put(a, "unknown_method", hp::protocol::rpc::encodeRequest(request) + "\n");
  put(a, "not_json", "status please\n");
  put(a, "no_newline", hp::protocol::rpc::encodeRequest(request));

  const std::string v = "fuzz_vpcd";
  // power on, get ATR, SELECT by name (case 4), a short case 2, reset, power off, a cut frame.
  put(v, "session",
      Bytes{0x00, 0x01, 0x01, 0x00, 0x01, 0x04, 0x00, 0x0B, 0x00, 0xA4, 0x04, 0x00, 0x05,
            0xF0, 0x46, 0x55, 0x5A, 0x5A, 0x00, 0x00, 0x05, 0x00, 0xCA, 0xDF, 0x01, 0x00,
            0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  g_root = argv[1];
  channelSeeds();
  rpcSeeds();
  sessionSeeds();
  httpSeeds();
  purseSeeds();
  lineAndFrameSeeds();
  return 0;
}
