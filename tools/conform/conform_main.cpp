// apdu_conform: runs the APDU scenarios of apdu_specs/ against a card and checks every answer
// against the scenarios and the specs. Exit status 0 only when every step passed.
//
//   apdu_conform --card homecard --in-process            a fresh card in this process
//   apdu_conform --card homecard --reader "Virtual PCD 00 00"
//   options: --specs DIR, --scenario FILE (repeatable), --seed N, --verbose
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "tools/conform/card_spec.hpp"
#include "tools/conform/card_under_test.hpp"
#include "tools/conform/runner.hpp"
#include "tools/conform/scenario.hpp"

#ifndef HP_APDU_SPECS_DIR
#define HP_APDU_SPECS_DIR "apdu_specs"
#endif

namespace {

struct Options {
  std::string card;
  std::string reader;
  bool inProcess = false;
  std::string specsDir = HP_APDU_SPECS_DIR;
  std::vector<std::string> scenarios;
  std::optional<uint64_t> seed;
  bool verbose = false;
};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: apdu_conform --card NAME (--in-process | --reader \"READER\")\n"
               "                    [--specs DIR] [--scenario FILE]... [--seed N] [--verbose]\n"
               "  --card NAME      homecard, accesscard, or testcard (the runner's own card)\n"
               "  --in-process     a fresh card in this process (seeded from --seed)\n"
               "  --reader NAME    the card in this PC/SC reader\n"
               "  --specs DIR      spec folder (default %s); runtime.json is read from DIR,\n"
               "                   or from the default folder when DIR has none\n"
               "  --scenario FILE  run only this scenario (repeatable; default: all of the card's\n"
               "                   in DIR/scenarios/NAME, in file-name order)\n"
               "  --seed N         seed of the random values (printed at the start of every run)\n"
               "  --verbose        print every command and response APDU\n",
               HP_APDU_SPECS_DIR);
}

// nullopt after printing the problem.
std::optional<Options> parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "apdu_conform: %s needs a value\n", arg.c_str());
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (arg == "--in-process") {
      o.inProcess = true;
    } else if (arg == "--verbose" || arg == "-v") {
      o.verbose = true;
    } else if (arg == "--card" || arg == "--reader" || arg == "--specs" || arg == "--scenario" ||
               arg == "--seed") {
      const char* v = value();
      if (v == nullptr) return std::nullopt;
      if (arg == "--card") o.card = v;
      if (arg == "--reader") o.reader = v;
      if (arg == "--specs") o.specsDir = v;
      if (arg == "--scenario") o.scenarios.emplace_back(v);
      if (arg == "--seed") {
        char* end = nullptr;
        o.seed = std::strtoull(v, &end, 10);
        if (*v == '\0' || *end != '\0') {
          std::fprintf(stderr, "apdu_conform: --seed wants a decimal number, not '%s'\n", v);
          return std::nullopt;
        }
      }
    } else {
      std::fprintf(stderr, "apdu_conform: unknown argument '%s'\n", arg.c_str());
      usage(stderr);
      return std::nullopt;
    }
  }
  if (o.card.empty() || (o.inProcess == !o.reader.empty())) {
    std::fprintf(stderr, "apdu_conform: give --card and exactly one of --in-process, --reader\n");
    usage(stderr);
    return std::nullopt;
  }
  return o;
}

std::string runtimeSpecPath(const std::string& specsDir) {
  const auto local = std::filesystem::path(specsDir) / "runtime.json";
  if (std::filesystem::exists(local)) return local.string();
  return (std::filesystem::path(HP_APDU_SPECS_DIR) / "runtime.json").string();
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parseOptions(argc, argv);
  if (!options) return 2;
  const uint64_t seed = options->seed ? *options->seed : std::random_device{}();
  std::cout << "apdu_conform: card " << options->card << ", seed " << seed
            << " (replay with --seed " << seed << ")\n";

  auto runtimeSpec = hp::conform::loadCardSpec(runtimeSpecPath(options->specsDir));
  auto cardSpec = hp::conform::loadCardSpec(
      (std::filesystem::path(options->specsDir) / (options->card + ".json")).string());
  for (const auto* spec : {&runtimeSpec, &cardSpec}) {
    if (!*spec) {
      std::cout << "apdu_conform: " << spec->error().message << "\n0 passed, 1 failed\n";
      return 1;
    }
  }

  std::vector<std::string> files = options->scenarios;
  if (files.empty()) {
    auto listed = hp::conform::listScenarioFiles(options->specsDir, options->card);
    if (!listed || listed.value().empty()) {
      std::cout << "apdu_conform: "
                << (listed ? "no scenarios for " + options->card : listed.error().message)
                << "\n0 passed, 1 failed\n";
      return 1;
    }
    files = listed.value();
  }

  // The card's seed differs from the scenario generator's so the two streams stay independent;
  // both derive from the printed seed.
  auto card = options->inProcess ? hp::conform::openInProcessCard(options->card, seed + 1)
                                 : hp::conform::openReaderCard(options->reader);
  if (!card) {
    std::cout << "apdu_conform: " << card.error().message << "\n0 passed, 1 failed\n";
    return 1;
  }
  std::cout << "apdu_conform: against " << card.value()->transport().describe() << "\n";

  auto rng = hp::base::makeSeededRng(seed);
  hp::conform::ScenarioRunner runner(cardSpec.value(), runtimeSpec.value(), *card.value(), *rng,
                                     std::cout, options->verbose);
  runner.checkAtr();
  for (const std::string& file : files) {
    auto scenario = hp::conform::loadScenario(file);
    if (!scenario) {
      runner.fail(scenario.error().message);
      continue;
    }
    runner.run(scenario.value());
  }
  runner.reportCoverage();
  std::cout << runner.passed() << " passed, " << runner.failed() << " failed" << std::endl;
  return runner.failed() == 0 ? 0 : 1;
}
