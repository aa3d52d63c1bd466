// apdu_spec_render: writes apdu_specs/README.md from runtime.json, homecard.json and
// accesscard.json, or (--check) fails when the committed README differs from a fresh rendering.
//
//   apdu_spec_render --specs DIR --output DIR/README.md
//   apdu_spec_render --specs DIR --check DIR/README.md
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/conform/card_spec.hpp"
#include "tools/conform/spec_render.hpp"

#ifndef HP_APDU_SPECS_DIR
#define HP_APDU_SPECS_DIR "apdu_specs"
#endif

namespace {

const char* const kSpecFiles[] = {"homecard.json", "accesscard.json", "runtime.json"};

std::string readText(const std::string& path, bool& found) {
  std::ifstream in(path, std::ios::binary);
  found = static_cast<bool>(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The first line where two texts differ, for the failure message.
std::string firstDifference(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool moreA = static_cast<bool>(std::getline(ia, la));
    const bool moreB = static_cast<bool>(std::getline(ib, lb));
    if (!moreA && !moreB) return "no difference";
    if (!moreA || !moreB || la != lb) {
      return "line " + std::to_string(line) + ":\n  committed: " + (moreA ? la : "<end of file>") +
             "\n  rendered:  " + (moreB ? lb : "<end of file>");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string specsDir = HP_APDU_SPECS_DIR;
  std::string output;
  std::string check;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--specs" || arg == "--output" || arg == "--check") && i + 1 < argc) {
      (arg == "--specs" ? specsDir : arg == "--output" ? output : check) = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: apdu_spec_render [--specs DIR] (--output FILE | --check FILE)\n"
                   "  writes the readable form of DIR/{homecard,accesscard,runtime}.json\n");
      return 2;
    }
  }
  if (output.empty() == check.empty()) {
    std::fprintf(stderr, "apdu_spec_render: give exactly one of --output, --check\n");
    return 2;
  }

  std::vector<hp::conform::CardSpec> specs;
  for (const char* file : kSpecFiles) {
    const std::string path = (std::filesystem::path(specsDir) / file).string();
    if (!std::filesystem::exists(path)) {
      std::fprintf(stderr, "apdu_spec_render: warning: %s does not exist yet; left out\n",
                   path.c_str());
      continue;
    }
    auto spec = hp::conform::loadCardSpec(path);
    if (!spec) {
      std::fprintf(stderr, "apdu_spec_render: %s\n", spec.error().message.c_str());
      return 1;
    }
    specs.push_back(std::move(spec.value()));
  }
  const std::string rendered = hp::conform::renderSpecs(specs);

  if (!check.empty()) {
    bool found = false;
    const std::string committed = readText(check, found);
    if (found && committed == rendered) {
      std::printf("apdu_spec_render: %s is up to date\n", check.c_str());
      return 0;
    }
    std::printf("apdu_spec_render: %s is %s; regenerate it with `%s` and commit it\n%s\n",
                check.c_str(), found ? "stale" : "missing", hp::conform::kRenderCommand,
                found ? firstDifference(committed, rendered).c_str() : "");
    return 1;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << rendered;
  out.close();
  if (!out) {
    std::fprintf(stderr, "apdu_spec_render: cannot write %s\n", output.c_str());
    return 1;
  }
  std::printf("apdu_spec_render: wrote %s (%zu cards)\n", output.c_str(), specs.size());
  return 0;
}
