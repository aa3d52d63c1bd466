// The process-wide generator (process_rng.hpp): one instance, usable from many threads at once,
// and a forked child does not repeat its parent's bytes.
#include <doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "host/tls_proxy/process_rng.hpp"

namespace hp::tls_proxy::test {

TEST_SUITE("process_rng") {
  TEST_CASE("one generator per process, fresh bytes each call") {
    auto first = processRng();
    auto second = processRng();
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(*first == *second);
    const Bytes a = (*first)->bytes(64);
    const Bytes b = (*first)->bytes(64);
    REQUIRE(a.size() == 64);
    CHECK(a != b);
  }

  TEST_CASE("threads draw concurrently without repeats") {
    base::Rng* rng = processRng().value();
    constexpr int kThreads = 8;
    constexpr int kDraws = 500;
    std::vector<std::vector<Bytes>> drawn(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kDraws; ++i) drawn[t].push_back(rng->bytes(16));
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<Bytes> all;
    for (const auto& list : drawn) {
      for (const Bytes& b : list) {
        CHECK(b.size() == 16);
        all.insert(b);
      }
    }
    CHECK(all.size() == static_cast<size_t>(kThreads * kDraws));
  }

  TEST_CASE("a forked child draws other bytes than its parent") {
    base::Rng* rng = processRng().value();
    (void)rng->bytes(16);  // the parent's generator is seeded and in use
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      const Bytes mine = processRng().value()->bytes(32);
      const bool written = ::write(fds[1], mine.data(), mine.size()) == 32;
      ::_exit(written ? 0 : 1);
    }
    ::close(fds[1]);
    const Bytes parent = rng->bytes(32);
    Bytes fromChild(32);
    size_t got = 0;
    while (got < fromChild.size()) {
      const ssize_t n = ::read(fds[0], fromChild.data() + got, fromChild.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(got == 32);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // Without the atfork reset the child's CTR_DRBG state would equal the parent's, and its
    // first 32 bytes would be exactly the parent's next 32.
    CHECK(fromChild != parent);
  }
}

}  // namespace hp::tls_proxy::test
