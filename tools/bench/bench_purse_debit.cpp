// Card time per purse DEBIT on the home card (issue 4): the DEBIT APDU processed by the card
// runtime and applet in this process (no reader, no transport), i.e. the work the card process
// does per payment: checks, the new state image, the persistent write, the ECDSA signature of
// the payment record.
//
// Two storages, because the persistent write dominates on a real disk:
//   memory - MemoryStorage: the card's own work (state update, serialization, signature);
//   file   - FileStorage in --dir: what the homecard process really does per DEBIT (write a
//            temporary file, fsync, rename, fsync the directory: docs/design.md).
// "Card CPU time" is the card thread's CPU time (CLOCK_THREAD_CPUTIME_ID); wall time includes
// waiting for the disk. The purse is topped up with bank-signed vouchers (a test bank key
// registered on the card) as it runs low, and those CREDITs are not counted.
//
// Usage: bench_purse_debit [--count N] [--dir DIR]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/byte_codec.hpp"
#include "base/clock.hpp"
#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/file_storage.hpp"
#include "card/runtime/storage.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/bench/bench_stats.hpp"

using hp::base::Bytes;
using hp::card::runtime::CardRuntime;
namespace purse = hp::protocol::purse;

namespace {

using hp::bench::Stats;
using hp::bench::summarize;
using hp::bench::threadCpuUs;

constexpr uint64_t kMaxBalance = 1'000'000'000;
constexpr uint64_t kTopUp = 100'000'000;

Bytes hex(const char* text) {
  return *hp::base::fromHex(text);
}

uint16_t swOf(const Bytes& r) {
  return static_cast<uint16_t>((r[r.size() - 2] << 8) | r[r.size() - 1]);
}

// Sends a command and its GET RESPONSEs; exits on any status other than 9000.
Bytes sendOrDie(CardRuntime& card, Bytes apdu, const char* what) {
  Bytes r = card.transmit(apdu);
  Bytes data(r.begin(), r.end() - 2);
  while ((swOf(r) & 0xFF00) == 0x6100) {
    const Bytes getResponse = {0x00, 0xC0, 0x00, 0x00, static_cast<uint8_t>(swOf(r) & 0xFF)};
    r = card.transmit(getResponse);
    data.insert(data.end(), r.begin(), r.end() - 2);
  }
  if (swOf(r) != 0x9000) {
    std::fprintf(stderr, "bench_purse_debit: %s failed with SW %04X\n", what, swOf(r));
    std::exit(1);
  }
  return data;
}

Bytes command(uint8_t ins, const Bytes& data) {
  Bytes apdu = {0x80, ins, 0x00, 0x00, static_cast<uint8_t>(data.size())};
  apdu.insert(apdu.end(), data.begin(), data.end());
  apdu.push_back(0x00);
  return apdu;
}

void putU64(Bytes& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

void putId(Bytes& out, const std::string& id) {
  out.push_back(static_cast<uint8_t>(id.size()));
  out.insert(out.end(), id.begin(), id.end());
}

// A personalized operational card in the crypto state with an EC key, the bench bank and shop
// registered and the purse initialized; returns the purse ID.
std::array<uint8_t, purse::kPurseIdSize> personalize(CardRuntime& card, hp::base::EcKeyPair& bank) {
  card.powerOn();
  sendOrDie(card, hex("00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01"), "SELECT");
  sendOrDie(card, hex("00 24 01 81 06 31 32 33 34 35 36"), "set PIN1");
  sendOrDie(card, hex("00 24 01 82 06 36 35 34 33 32 31"), "set PIN2");
  sendOrDie(card, hex("00 24 01 83 08 31 32 33 34 35 36 37 38"), "set PUK");
  sendOrDie(card, hex("00 44 00 00"), "ACTIVATE");
  sendOrDie(card, hex("00 20 00 81 06 31 32 33 34 35 36"), "VERIFY PIN1");
  sendOrDie(card, hex("00 20 00 82 06 36 35 34 33 32 31"), "VERIFY PIN2");
  sendOrDie(card, hex("00 47 80 01 00"), "GENERATE EC");
  for (auto [registry, id] : {std::pair<uint8_t, std::string>{0x02, "shop.bench"},
                              std::pair<uint8_t, std::string>{0x03, "bank"}}) {
    // Built by a ByteWriter: gcc 12 reports a false -Warray-bounds for the vector inserts.
    hp::base::ByteWriter w;
    w.u8(0xC0);
    w.u8(static_cast<uint8_t>(id.size()));
    w.raw(hp::base::bytesOf(id));
    w.u8(0xC1);
    w.u8(0x41);
    w.raw(bank.publicPoint());  // the shop's key does not matter for DEBIT
    const Bytes entry = w.take();
    Bytes apdu = {0x80, 0xE2, registry, 0x00, static_cast<uint8_t>(entry.size())};
    apdu.insert(apdu.end(), entry.begin(), entry.end());
    sendOrDie(card, apdu, "REGISTRY ADD");
  }
  Bytes init = {'E', 'U', 'R'};
  putU64(init, kMaxBalance);
  const Bytes id = sendOrDie(card, command(0x30, init), "PURSE INIT");
  if (id.size() != purse::kPurseIdSize) {
    std::fprintf(stderr, "bench_purse_debit: PURSE INIT answered %zu bytes\n", id.size());
    std::exit(1);
  }
  std::array<uint8_t, purse::kPurseIdSize> purseId{};
  std::copy(id.begin(), id.end(), purseId.begin());
  return purseId;
}

void credit(CardRuntime& card, hp::base::EcKeyPair& bank, hp::base::Rng& rng,
            const std::array<uint8_t, purse::kPurseIdSize>& purseId, uint32_t seq) {
  purse::Voucher v;
  v.bankId = hp::base::bytesOf("bank");
  v.purseId = purseId;
  const Bytes vid = rng.bytes(purse::kVoucherIdSize);
  std::copy(vid.begin(), vid.end(), v.voucherId.begin());
  v.creditSeq = seq;
  v.currency = "EUR";
  v.amount = kTopUp;
  const Bytes body = purse::encode(v);
  auto sig = bank.signHash(purse::signedHash(purse::kVoucherLabel, body), rng);
  if (!sig) std::exit(1);
  Bytes data;
  putU64(data, 1'800'000'000'000ULL);
  const Bytes signedVoucher = purse::appendSignature(body, sig.value());
  data.insert(data.end(), signedVoucher.begin(), signedVoucher.end());
  sendOrDie(card, command(0x34, data), "CREDIT");
}

struct Timing {
  Stats cpu, wall;
};

Timing timeDebits(hp::card::runtime::Storage& storage, int count, hp::base::EcKeyPair& bank,
                  hp::base::Rng& rng) {
  hp::base::SteadyClock clock;
  auto applet = hp::card::homecard::HomeCardApplet::open(storage, clock, rng);
  if (!applet) {
    std::fprintf(stderr, "bench_purse_debit: %s\n", applet.error().message.c_str());
    std::exit(1);
  }
  CardRuntime card(hp::card::homecard::homeCardAtr(), {applet.value().get()});
  const auto purseId = personalize(card, bank);
  uint32_t seq = 0;
  credit(card, bank, rng, purseId, ++seq);
  uint64_t balance = kTopUp;
  const uint64_t amount = 1234;

  std::vector<double> cpu, wall;
  for (int i = 0; i < count; ++i) {
    if (balance < amount) {
      credit(card, bank, rng, purseId, ++seq);
      balance += kTopUp;
    }
    Bytes data;
    putU64(data, 1'800'000'000'000ULL + static_cast<uint64_t>(i));
    putId(data, "shop.bench");
    putId(data, "order-" + std::to_string(i));
    data.insert(data.end(), {'E', 'U', 'R'});
    putU64(data, amount);
    const Bytes apdu = command(0x32, data);
    const double c0 = threadCpuUs();
    const auto t0 = std::chrono::steady_clock::now();
    const Bytes record = sendOrDie(card, apdu, "DEBIT");
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = threadCpuUs();
    balance -= amount;
    if (i == 0 && !purse::splitSigned(record)) {
      std::fprintf(stderr, "bench_purse_debit: DEBIT answered no signed record\n");
      std::exit(1);
    }
    cpu.push_back(c1 - c0);
    wall.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return {summarize(std::move(cpu)), summarize(std::move(wall))};
}

void print(const char* what, int count, const Timing& t) {
  std::printf("DEBIT, %s storage, %d payments:\n", what, count);
  std::printf("  card CPU time: median %.0f us, p99 %.0f us, max %.0f us (mean %.0f us)\n",
              t.cpu.medianUs, t.cpu.p99Us, t.cpu.maxUs, t.cpu.meanUs);
  std::printf("  wall clock:    median %.0f us, p99 %.0f us, max %.0f us (mean %.0f us)\n",
              t.wall.medianUs, t.wall.p99Us, t.wall.maxUs, t.wall.meanUs);
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  if (count < 1) {
    std::fprintf(stderr, "usage: bench_purse_debit [--count N] [--dir DIR]\n");
    return 64;
  }
  auto rng = hp::base::makeSystemRng();
  if (!rng) return 1;
  auto bank = hp::base::EcKeyPair::generate(*rng.value());
  if (!bank) return 1;

  hp::card::runtime::MemoryStorage memory;
  print("memory", count, timeDebits(memory, count, *bank.value(), *rng.value()));

  const std::string path = dir + "/bench_purse_debit." + std::to_string(::getpid()) + ".state";
  {
    auto file = hp::card::runtime::FileStorage::open(path, path + ".key", "homecard", *rng.value());
    if (!file) {
      std::fprintf(stderr, "bench_purse_debit: %s\n", file.error().message.c_str());
      return 1;
    }
    print(("file (" + dir + ")").c_str(), count,
          timeDebits(*file.value(), count, *bank.value(), *rng.value()));
  }
  ::unlink(path.c_str());
  ::unlink((path + ".lock").c_str());
  ::unlink((path + ".key").c_str());
  return 0;
}
