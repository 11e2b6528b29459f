#pragma once
// One process-wide pool of worker threads, sized to the cores, shared by every CPU kernel.
// parallel_for splits [begin,end) into contiguous chunks deterministically (the split depends
// only on the range, grain and thread count), so results never depend on scheduling.
#include <cstdint>
#include <functional>

namespace tailor {

// Number of threads parallel_for uses (the calling thread included).
int num_threads();
// Resizes the pool; n <= 0 means one per core. Not to be called from inside parallel_for.
void set_num_threads(int n);

// Calls fn(chunk_begin, chunk_end) over [begin,end). Chunks hold at least `grain` items when
// possible. Runs inline when the range is small or when called from inside a worker.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace tailor
