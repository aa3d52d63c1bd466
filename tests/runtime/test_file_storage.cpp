// FileStorage: the tmp+rename protocol, refusal of damaged files, the lock (sealing, keys and
// migration: test_state_seal.cpp).
#include <doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "base/rng.hpp"
#include "card/runtime/file_storage.hpp"
#include "card/runtime/state_key.hpp"
#include "tests/runtime/test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

using hp::base::Bytes;
using hp::test::hex;
using hp::test::readFile;
using hp::test::TempDir;
using hp::test::writeFile;
using namespace hp::base;
using namespace hp::card::runtime;
namespace fs = std::filesystem;

namespace hp::card::runtime::test {
// FileStorage with its default key file and a seeded RNG, as the card process opens it.
Result<std::unique_ptr<FileStorage>> openAt(const std::string& path) {
  static auto rng = makeSeededRng(4242);
  return FileStorage::open(path, FileStorage::defaultKeyPath(path), "homecard", *rng);
}
}  // namespace hp::card::runtime::test
using hp::card::runtime::test::openAt;

namespace {

std::string loadError(const std::string& path) {
  auto storage = openAt(path);
  REQUIRE(storage.ok());
  auto loaded = storage.value()->load();
  REQUIRE_FALSE(loaded.ok());
  return loaded.error().message;
}

}  // namespace

TEST_CASE("a missing file is a blank card") {
  TempDir dir;
  auto storage = openAt(dir.file("card.state"));
  REQUIRE(storage.ok());
  auto loaded = storage.value()->load();
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded.value().has_value());
}

TEST_CASE("store then load round-trips, also across a reopen") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  const Bytes image = hex("01 02 03 04 05 FF 00");
  {
    auto storage = openAt(path);
    REQUIRE(storage.ok());
    REQUIRE(storage.value()->store(image).ok());
    auto loaded = storage.value()->load();
    REQUIRE(loaded.ok());
    REQUIRE(loaded.value().has_value());
    CHECK(*loaded.value() == image);
    // A second store replaces the first entirely.
    REQUIRE(storage.value()->store(hex("AA")).ok());
    CHECK(*storage.value()->load().value() == hex("AA"));
    REQUIRE(storage.value()->store(image).ok());
  }
  auto reopened = openAt(path);
  REQUIRE(reopened.ok());
  CHECK(*reopened.value()->load().value() == image);
  // An empty image is a valid image, distinct from a blank card.
  REQUIRE(reopened.value()->store({}).ok());
  auto empty = reopened.value()->load();
  REQUIRE(empty.ok());
  REQUIRE(empty.value().has_value());
  CHECK(empty.value()->empty());
}

TEST_CASE("the old layout: magic, big-endian length, payload, SHA-256") {
  const Bytes file = FileStorage::encodeLegacy(hex("DE AD BE EF"));
  REQUIRE(file.size() == 8 + 4 + 4 + 32);
  CHECK(Bytes(file.begin(), file.begin() + 8) == hp::base::bytesOf("HPCARD01"));
  CHECK(Bytes(file.begin() + 8, file.begin() + 12) == hex("00 00 00 04"));
  CHECK(Bytes(file.begin() + 12, file.begin() + 16) == hex("DE AD BE EF"));
  // The SHA-256 of "HPCARD01 00000004 DEADBEEF", computed independently with Python's hashlib.
  CHECK(hp::base::toHex(hp::base::ByteView(file).subspan(16)) ==
        "653A8DFC93D474C22C1A21B26908DBFE606C2A45CDC4287EA2EF54E276D5F26F");
}

TEST_CASE("store writes FILE.tmp and renames it over FILE") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  auto storage = openAt(path);
  REQUIRE(storage.ok());
  REQUIRE(storage.value()->store(hex("01")).ok());
  const auto inodeBefore = [&] {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
  }();
  REQUIRE(storage.value()->store(hex("02")).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  // A rename gives the file a new inode; an in-place rewrite would keep the old one.
  CHECK(st.st_ino != inodeBefore);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK((st.st_mode & 0777) == 0600);

  SUBCASE("a stale FILE.tmp from an interrupted store is ignored and replaced") {
    writeFile(path + ".tmp", hex("00 11 22"));
    CHECK(*storage.value()->load().value() == hex("02"));
    REQUIRE(storage.value()->store(hex("03")).ok());
    CHECK(*storage.value()->load().value() == hex("03"));
    CHECK_FALSE(fs::exists(path + ".tmp"));
  }
  SUBCASE("when FILE.tmp cannot be created, the old image stays") {
    fs::create_directory(path + ".tmp");  // a directory where the temporary file should go
    auto failed = storage.value()->store(hex("04"));
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message.find(".tmp") != std::string::npos);
    CHECK(*storage.value()->load().value() == hex("02"));
  }
}

TEST_CASE("damaged files are refused with a message naming the problem") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  const Bytes good = FileStorage::encodeLegacy(hex("01 02 03 04 05 06 07 08"));

  SUBCASE("truncated below the header") {
    writeFile(path, Bytes(good.begin(), good.begin() + 20));
    CHECK(loadError(path).find("truncated") != std::string::npos);
  }
  SUBCASE("truncated inside the payload or digest") {
    writeFile(path, Bytes(good.begin(), good.end() - 1));
    const std::string message = loadError(path);
    CHECK(message.find("wrong length") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
  }
  SUBCASE("extra bytes appended") {
    Bytes longer = good;
    longer.push_back(0);
    writeFile(path, longer);
    CHECK(loadError(path).find("wrong length") != std::string::npos);
  }
  SUBCASE("length field altered") {
    Bytes altered = good;
    altered[11] ^= 0x01;
    writeFile(path, altered);
    CHECK(loadError(path).find("wrong length") != std::string::npos);
  }
  SUBCASE("wrong magic") {
    Bytes altered = good;
    altered[0] = 'X';
    writeFile(path, altered);
    CHECK(loadError(path).find("bad magic") != std::string::npos);
  }
  SUBCASE("every flipped payload or digest byte fails the checksum") {
    for (size_t i = 12; i < good.size(); ++i) {
      CAPTURE(i);
      Bytes altered = good;
      altered[i] ^= 0x40;
      writeFile(path, altered);
      CHECK(loadError(path).find("checksum") != std::string::npos);
    }
  }
  SUBCASE("decode agrees with load") {
    CHECK(FileStorage::decodeLegacy(good, "x").ok());
    CHECK(FileStorage::decodeLegacy(good, "x").value() == hex("01 02 03 04 05 06 07 08"));
    CHECK_FALSE(FileStorage::decodeLegacy({}, "x").ok());
  }
}

TEST_CASE("a second open of the same path is refused while the first is alive") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  {
    auto first = openAt(path);
    REQUIRE(first.ok());
    auto second = openAt(path);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message.find("in use") != std::string::npos);
    // A different path is independent.
    CHECK(openAt(dir.file("other.state")).ok());
  }
  // Closing the first releases the lock.
  CHECK(openAt(path).ok());
}

TEST_CASE("the state is sealed with a key file of its own, created once, mode 0600") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  auto storage = openAt(path);
  REQUIRE(storage.ok());
  REQUIRE(storage.value()->store(hex("DE AD BE EF")).ok());
  const Bytes file = readFile(path);
  CHECK(Bytes(file.begin(), file.begin() + 8) == hp::base::bytesOf("HPCARD02"));
  // magic, kind length, "homecard", nonce, length, ciphertext, tag
  CHECK(file.size() == 8 + 1 + 8 + 12 + 4 + 4 + 16);
  struct stat st {};
  REQUIRE(::stat((path + ".key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  const Bytes key = readFile(path + ".key");
  REQUIRE(storage.value()->store(hex("DE AD BE EF")).ok());
  CHECK(readFile(path + ".key") == key);
  // Same image, fresh nonce: a different file.
  CHECK(readFile(path) != file);
  // O_EXCL: a key is never created over an existing one.
  auto rng = makeSeededRng(9);
  CHECK_FALSE(createStateKey(path + ".key", *rng).ok());
  CHECK(readFile(path + ".key") == key);
}

TEST_CASE("a sealed file without its key, or of another card kind, is refused") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  {
    auto storage = openAt(path);
    REQUIRE(storage.value()->store(hex("01 02")).ok());
  }
  auto rng = makeSeededRng(1);
  {
    auto other = FileStorage::open(path, path + ".key", "accesscard", *rng);
    REQUIRE(other.ok());
    auto loaded = other.value()->load();
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.find("another kind") != std::string::npos);
  }
  fs::rename(path + ".key", path + ".key.away");
  const std::string message = loadError(path);
  CHECK(message.find("key file") != std::string::npos);
  CHECK(message.find("missing") != std::string::npos);
  CHECK_FALSE(fs::exists(path + ".key"));  // never replaced by a new key
  fs::rename(path + ".key.away", path + ".key");
  ::chmod((path + ".key").c_str(), 0644);
  auto exposed = openAt(path);
  REQUIRE_FALSE(exposed.ok());
  CHECK(exposed.error().message.find("chmod 600") != std::string::npos);
}

TEST_CASE("an old HPCARD01 file is migrated on load, only while the card has no key") {
  TempDir dir;
  const std::string path = dir.file("card.state");
  writeFile(path, FileStorage::encodeLegacy(hex("0A 0B 0C")));
  {
    auto storage = openAt(path);
    CHECK_FALSE(storage.value()->migratedFromUnsealed());
    auto loaded = storage.value()->load();
    REQUIRE(loaded.ok());
    CHECK(*loaded.value() == hex("0A 0B 0C"));
    CHECK(storage.value()->migratedFromUnsealed());
  }
  const Bytes sealed = readFile(path);
  CHECK(Bytes(sealed.begin(), sealed.begin() + 8) == hp::base::bytesOf("HPCARD02"));
  CHECK(fs::exists(path + ".key"));
  CHECK_FALSE(fs::exists(path + ".migrating"));
  CHECK(*openAt(path).value()->load().value() == hex("0A 0B 0C"));

  SUBCASE("a new unsealed file next to the key is refused") {
    writeFile(path, FileStorage::encodeLegacy(hex("0A 0B 0D")));
    CHECK(loadError(path).find("edited by hand") != std::string::npos);
  }
  SUBCASE("a migration cut short after the key was made is finished") {
    writeFile(path, FileStorage::encodeLegacy(hex("0A 0B 0C")));
    writeFile(path + ".migrating", {});
    auto loaded = openAt(path).value()->load();
    REQUIRE(loaded.ok());
    CHECK(*loaded.value() == hex("0A 0B 0C"));
    CHECK_FALSE(fs::exists(path + ".migrating"));
  }
}
