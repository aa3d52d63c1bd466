// Timing helpers shared by the card benchmarks: the calling thread's CPU time (card work
// without the waiting for a core that a loaded 2-core machine adds to wall time) and
// mean/median/p99/max of a sample.
#pragma once

#include <time.h>

#include <algorithm>
#include <vector>

namespace hp::bench {

inline double threadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct Stats {
  double meanUs, medianUs, p99Us, maxUs;
};

inline Stats summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {sum / static_cast<double>(us.size()), us[us.size() / 2],
          us[std::min(us.size() - 1, us.size() * 99 / 100)], us.back()};
}

}  // namespace hp::bench
