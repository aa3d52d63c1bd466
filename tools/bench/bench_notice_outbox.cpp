// Cost of the payment notices' outbox (host/notices) on the home server's paths, without SMTP:
//   enqueue 1     - one new entry after a payment (one SQLite transaction, WAL, synchronous=FULL:
//                   the fsync is most of it), on the payment path if the home server enqueues
//                   inline rather than in the mailer thread's collect step;
//   re-read 64    - a periodic READ LOG of a full 64-entry log that is already queued (nothing
//                   new: the INSERT OR IGNOREs and one commit);
//   pending N     - pendingBatches with all N entries queued (once per flush; the first call
//                   also fixes the batches and their Message-IDs, the later ones only read);
//   mark sent     - markSent for one batch of 16 (once per mail, after the server's 250).
// Prints median, p99 and max per operation. The file lives in --dir (default /tmp): its disk is
// what is measured.
//
// Usage: bench_notice_outbox [--count N] [--dir DIR]
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "host/notices/notice_outbox.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace purse = hp::protocol::purse;

purse::LogEntry entry(uint32_t txn) {
  purse::LogEntry e;
  e.txn = txn;
  e.kind = purse::EntryKind::kDebit;
  e.timeMs = 1'796'119'200'000 + txn;
  e.currency = "EUR";
  e.amount = 1250;
  e.balanceAfter = 100000;
  e.party = hp::base::bytesOf("localhost");
  e.reference = hp::base::bytesOf("ORDER-" + std::to_string(txn));
  return e;
}

void report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  std::printf("%-16s n=%-5zu median %8.1f us   p99 %8.1f us   max %8.1f us\n", what, us.size(),
              us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)], us.back());
}

double since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void dieOn(const hp::base::Error& error) {
  std::fprintf(stderr, "bench_notice_outbox: %s\n", error.message.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int count = 500;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      count = std::max(16, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_notice_outbox [--count N] [--dir DIR]\n");
      return 2;
    }
  }
  std::string scratch = dir + "/bench_notice_outbox.XXXXXX";
  if (mkdtemp(scratch.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  hp::notices::SystemWallClock clock;
  auto outbox = hp::notices::NoticeOutbox::open(scratch + "/outbox.db", clock);
  if (!outbox) dieOn(outbox.error());
  const char* purseId = "0123456789ABCDEF";

  std::vector<double> enqueueUs;
  for (int i = 1; i <= count; ++i) {
    const auto start = Clock::now();
    auto added = (*outbox)->enqueue(purseId, {entry(static_cast<uint32_t>(i))});
    enqueueUs.push_back(since(start));
    if (!added) dieOn(added.error());
  }

  std::vector<purse::LogEntry> window;
  for (int t = count - 63; t <= count; ++t) window.push_back(entry(static_cast<uint32_t>(t)));
  std::vector<double> rereadUs;
  for (int i = 0; i < std::max(count / 10, 16); ++i) {
    const auto start = Clock::now();
    auto added = (*outbox)->enqueue(purseId, window);
    rereadUs.push_back(since(start));
    if (!added) dieOn(added.error());
  }

  std::vector<double> pendingUs;
  std::vector<hp::notices::OutboxBatch> batches;
  for (int i = 0; i < 10; ++i) {
    const auto start = Clock::now();
    auto pending = (*outbox)->pendingBatches(16);
    pendingUs.push_back(since(start));
    if (!pending) dieOn(pending.error());
    batches = std::move(*pending);
  }
  std::vector<double> markUs;
  for (const auto& batch : batches) {
    const auto start = Clock::now();
    auto marked = (*outbox)->markSent(batch);
    markUs.push_back(since(start));
    if (!marked) dieOn(marked.error());
  }

  std::printf("notice outbox in %s (SQLite WAL, synchronous=FULL)\n", dir.c_str());
  report("enqueue 1", enqueueUs);
  report("re-read 64", rereadUs);
  std::printf("pending %-10d first %8.1f us (fixes the batches), then:\n", count, pendingUs[0]);
  report("pending (read)", std::vector<double>(pendingUs.begin() + 1, pendingUs.end()));
  report("mark sent 16", markUs);
  outbox->reset();
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return 0;
}
