// The proxy benchmark's report: per shop the table of set-ups and the targets they are held to,
// then the home server's load figures. Each printer says whether its targets pass.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tools/bench/bench_proxy_load.hpp"
#include "tools/bench/bench_proxy_modes.hpp"

namespace hp::bench {

// Samples per label "<mode>-<shop>", one per measured round.
using SamplesByLabel = std::map<std::string, std::vector<Sample>>;
// Terminal instructions per label, from the callgrind run ("label count" lines).
using InstructionCounts = std::map<std::string, uint64_t>;

InstructionCounts readInstructions(const std::string& path);

// One shop's table (loopback and slow-link samples, instructions) and its targets; writes the
// gnuplot rows to `data` when it is open. True when all the shop's targets pass.
bool reportShop(const ShopUnderTest& shop, SamplesByLabel& fast, SamplesByLabel& slow,
                const InstructionCounts& instructions, std::ofstream& data);

// The home server under load; true when its targets pass.
bool reportLoad(const LoadFigures& load, int terminals);

}  // namespace hp::bench
