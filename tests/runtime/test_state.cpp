// MemoryStorage failure injection and PersistentState's copy-store-swap.
#include <doctest.h>

#include <optional>

#include "base/byte_codec.hpp"
#include "card/runtime/persistent_state.hpp"
#include "card/runtime/storage.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::base::ByteView;
using hp::test::hex;
using namespace hp::base;
using namespace hp::card::runtime;

namespace {
struct Counter {
  uint32_t value = 0;
  Bytes label;

  Bytes serialize() const {
    ByteWriter w;
    w.u32(value);
    w.blob(label);
    return w.take();
  }
  static std::optional<Counter> deserialize(ByteView image) {
    ByteReader r(image);
    Counter c;
    c.value = r.u32();
    c.label = r.blob();
    if (!r.ok() || !r.atEnd()) return std::nullopt;
    return c;
  }
};
}  // namespace

TEST_CASE("MemoryStorage: blank, store, and failNextStores(k, n)") {
  MemoryStorage storage;
  auto blank = storage.load();
  REQUIRE(blank.ok());
  CHECK_FALSE(blank.value().has_value());

  storage.failNextStores(2, 2);
  CHECK(storage.store(hex("01")).ok());
  CHECK(storage.store(hex("02")).ok());
  auto failed = storage.store(hex("03"));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("injected") != std::string::npos);
  CHECK_FALSE(storage.store(hex("04")).ok());
  CHECK(*storage.image() == hex("02"));  // failed stores leave the previous image
  CHECK(storage.store(hex("05")).ok());  // the injection is used up
  CHECK(*storage.load().value() == hex("05"));
  CHECK(storage.stores() == 3);
  CHECK(storage.attempts() == 5);
}

TEST_CASE("PersistentState: open on blank storage stores the fresh state") {
  MemoryStorage storage;
  PersistentState<Counter> state(storage);
  REQUIRE(state.open(Counter{7, hex("AB")}).ok());
  CHECK(state.get().value == 7);
  CHECK(storage.stores() == 1);
  CHECK(Counter::deserialize(*storage.image())->value == 7);
}

TEST_CASE("PersistentState: open on blank storage whose first store fails is an error") {
  MemoryStorage storage;
  storage.failNextStores(0, 1);
  PersistentState<Counter> state(storage);
  CHECK_FALSE(state.open(Counter{7, {}}).ok());
}

TEST_CASE("PersistentState: open loads an existing image and refuses a malformed one") {
  MemoryStorage storage;
  storage.setImage(Counter{42, hex("0102")}.serialize());
  PersistentState<Counter> state(storage);
  REQUIRE(state.open(Counter{}).ok());
  CHECK(state.get().value == 42);
  CHECK(state.get().label == hex("0102"));
  CHECK(storage.stores() == 0);

  MemoryStorage damaged;
  damaged.setImage(hex("00 00 00 01 00 00 00 05 AA"));  // blob length past the end
  PersistentState<Counter> refused(damaged);
  auto opened = refused.open(Counter{});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("malformed") != std::string::npos);
  CHECK(*damaged.image() == hex("00 00 00 01 00 00 00 05 AA"));  // never silently reset
}

TEST_CASE("PersistentState: update is copy, store, swap") {
  MemoryStorage storage;
  PersistentState<Counter> state(storage);
  REQUIRE(state.open(Counter{1, {}}).ok());

  CHECK(state.update([](Counter& c) { c.value = 2; }));
  CHECK(state.get().value == 2);
  CHECK(Counter::deserialize(*storage.image())->value == 2);

  SUBCASE("a failed store leaves the live state and the stored image as they were") {
    storage.failNextStores(0, 1);
    CHECK_FALSE(state.update([](Counter& c) {
      c.value = 3;
      c.label = hex("FF");
    }));
    CHECK(state.get().value == 2);
    CHECK(state.get().label.empty());
    CHECK(Counter::deserialize(*storage.image())->value == 2);
    // The next update starts from the live state, not from the failed copy.
    CHECK(state.update([](Counter& c) { ++c.value; }));
    CHECK(state.get().value == 3);
  }
  SUBCASE("the mutation sees a copy: the live state is untouched while it runs") {
    const Counter* live = &state.get();
    CHECK(state.update([&](Counter& c) {
      CHECK(&c != live);
      c.value = 10;
      CHECK(live->value == 2);
    }));
    CHECK(state.get().value == 10);
  }
}

TEST_CASE("ByteReader fails softly and stays failed") {
  const Bytes twoBytes = hex("01 02");
  ByteReader r(twoBytes);
  CHECK(r.u8() == 1);
  CHECK(r.u16() == 0);  // past the end
  CHECK_FALSE(r.ok());
  CHECK(r.u8() == 0);  // even though a byte is left
  CHECK_FALSE(r.ok());

  const Bytes notABoolean = hex("02");
  ByteReader flag(notABoolean);
  flag.boolean();
  CHECK_FALSE(flag.ok());

  ByteWriter w;
  w.u64(0x0102030405060708ULL);
  w.boolean(true);
  const Bytes image = w.take();
  ByteReader back(image);
  CHECK(back.u64() == 0x0102030405060708ULL);
  CHECK(back.boolean());
  CHECK(back.ok());
  CHECK(back.atEnd());
}
