// A temporary directory for outbox files, removed with everything in it at the end of a case:
// the tests' one TempDir (tests/support/temp_dir.hpp) under the name the notices tests use.
#pragma once

#include "tests/support/temp_dir.hpp"

namespace hp::notices::test {

using ScratchDir = hp::test::TempDir;

}  // namespace hp::notices::test
