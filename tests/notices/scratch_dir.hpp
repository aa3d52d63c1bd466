// A temporary directory for outbox files, removed with everything in it at the end of a case.
#pragma once

#include <doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace hp::notices::test {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/hp_notices_outbox.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace hp::notices::test
