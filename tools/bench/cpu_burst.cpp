// cpu_burst [--loops-per-ms N] [--reps R] [--gap-ms G] WORK_MS...: the stand-by benchmark's CPU
// calibration (run_standby_bench.sh, docs/benchmarks.md "Stand-by"). How much a CPU quota slows
// a burst of fixed CPU work that comes between network waits, as a command's TLS steps do: for
// each WORK_MS, R bursts of that much work (measured at full speed), each followed by G ms of
// sleep (a network wait), and the median wall time of a burst.
//
// Without --loops-per-ms it first measures this CPU's loops per ms (the fastest of several
// tries) and prints "loops_per_ms N": the script runs it once so (at full speed) and once with
// that N inside the throttled cgroup, so both runs do the same work.
// Output: "loops_per_ms N", then per WORK_MS "burst WORK_MS median_ms MED min_ms MIN max_ms MAX
// cpu_ms CPU" (CPU: the median CPU time of a burst, i.e. the work actually done).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

double now_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Fixed work: a chain of dependent multiply-adds the compiler may not remove or shorten.
std::uint64_t spin(std::uint64_t loops) {
  std::uint64_t x = 88172645463325252ULL;
  for (std::uint64_t i = 0; i < loops; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));  // why: keeps every iteration (no closed form, no vectorising)
  }
  return x;
}

std::uint64_t g_sink = 0;  // why: the result is used, so the loop is kept

// Loops per ms of this CPU: the fastest of 30 tries of 2 ms-ish each (other processes on a
// shared machine only ever make a try slower).
double measure_loops_per_ms() {
  constexpr std::uint64_t kLoops = 2'000'000;
  double best = 1e9;
  for (int i = 0; i < 30; ++i) {
    const double start = now_ms(CLOCK_MONOTONIC);
    g_sink ^= spin(kLoops);
    best = std::min(best, now_ms(CLOCK_MONOTONIC) - start);
  }
  return static_cast<double>(kLoops) / best;
}

void sleep_ms(double ms) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ms / 1e3);
  ts.tv_nsec = static_cast<long>((ms - static_cast<double>(ts.tv_sec) * 1e3) * 1e6);
  nanosleep(&ts, nullptr);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void run_bursts(double work_ms, double loops_per_ms, int reps, double gap_ms) {
  const auto loops = static_cast<std::uint64_t>(work_ms * loops_per_ms);
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int i = 0; i < reps; ++i) {
    sleep_ms(gap_ms);
    const double cpu_start = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    const double start = now_ms(CLOCK_MONOTONIC);
    g_sink ^= spin(loops);
    wall.push_back(now_ms(CLOCK_MONOTONIC) - start);
    cpu.push_back(now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
  }
  std::printf("burst %g median_ms %.3f min_ms %.3f max_ms %.3f cpu_ms %.3f\n", work_ms,
              median(wall), *std::min_element(wall.begin(), wall.end()),
              *std::max_element(wall.begin(), wall.end()), median(cpu));
}

}  // namespace

int main(int argc, char** argv) {
  double loops_per_ms = 0;
  int reps = 15;
  double gap_ms = 75;
  std::vector<double> work;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--loops-per-ms" && i + 1 < argc) {
      loops_per_ms = std::strtod(argv[++i], nullptr);
    } else if (arg == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (arg == "--gap-ms" && i + 1 < argc) {
      gap_ms = std::strtod(argv[++i], nullptr);
    } else {
      const double ms = std::strtod(arg.c_str(), nullptr);
      if (ms <= 0) {
        std::fprintf(stderr,
                     "usage: cpu_burst [--loops-per-ms N] [--reps R] [--gap-ms G] WORK_MS...\n");
        return 2;
      }
      work.push_back(ms);
    }
  }
  if (work.empty() || reps < 1 || gap_ms < 0) {
    std::fprintf(stderr,
                 "usage: cpu_burst [--loops-per-ms N] [--reps R] [--gap-ms G] WORK_MS...\n");
    return 2;
  }
  if (loops_per_ms <= 0) loops_per_ms = measure_loops_per_ms();
  std::printf("loops_per_ms %.0f\n", loops_per_ms);
  for (const double ms : work) run_bursts(ms, loops_per_ms, reps, gap_ms);
  return g_sink == 42 ? 1 : 0;  // why: reads the sink; never 42 in practice
}
