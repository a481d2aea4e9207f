#pragma once
// One process-wide pool of worker threads. Work is always split into chunks of a fixed grain:
// chunk boundaries depend only on (begin, end, grain), never on the thread count, so a result
// assembled from per-chunk pieces is bit-identical for any number of threads.
#include <cstdint>
#include <functional>
#include <vector>

namespace hangu {

// Threads used by parallel_for: set_num_threads, else HANGU_NUM_THREADS, else the core count.
int get_num_threads();
void set_num_threads(int n);
// True inside a parallel_for body; nested parallel_for calls then run serially.
bool in_parallel_region();

// Calls fn(lo, hi) once for every chunk [begin + k*grain, min(end, begin + (k+1)*grain)).
// Chunks may run on any thread in any order; the first exception thrown is rethrown here.
void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Deterministic reduction: partial k = chunk_fn(lo, hi) for each fixed chunk (in parallel),
// then the partials are combined left to right on the calling thread.
template <typename T, typename ChunkFn, typename Combine>
T parallel_reduce(int64_t begin, int64_t end, int64_t grain, T identity, ChunkFn chunk_fn, Combine combine) {
  if (end <= begin) return identity;
  if (grain < 1) grain = 1;
  int64_t nchunks = (end - begin + grain - 1) / grain;
  std::vector<T> partial(static_cast<size_t>(nchunks), identity);
  parallel_for(0, nchunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t lo = begin + c * grain;
      int64_t hi = lo + grain < end ? lo + grain : end;
      partial[static_cast<size_t>(c)] = chunk_fn(lo, hi);
    }
  });
  T acc = identity;
  for (const T& p : partial) acc = combine(acc, p);
  return acc;
}

}  // namespace hangu
