#pragma once
// One process-wide pool of worker threads, sized to the cores, shared by every CPU kernel.
// parallel_for splits [begin,end) into contiguous chunks, several per thread, and the threads
// claim them as they finish: each first the chunks of its own range (its home: thread k of T
// holds the k-th T-th of the items), then the others' left over. With every core free a
// thread so runs the same part of each region, and reads what it wrote in the region before
// from its own cache; on a busy machine a thread that loses its core delays one small chunk,
// not its whole share. The split depends only on the range, the grain and the thread count,
// never on which thread runs a chunk, and kernels reduce in fixed blocks of their own
// (column_reduce.h, reduce.cpp), so results never depend on scheduling or load.
//
// Between regions a worker polls for the next one, and the caller for the end of its region,
// for up to TAILOR_SPIN_US microseconds (default 100) before sleeping: a batch-1 forward runs
// about 40 regions back to back, and a sleeping thread took tens of microseconds to wake on
// the 2-core VMs. TAILOR_SPIN_US=0 sleeps at once (a machine shared by several busy processes).
#include <cstdint>
#include <functional>

namespace tailor {

// Number of threads parallel_for uses (the calling thread included).
int num_threads();
// Resizes the pool; n <= 0 means one per core. Not to be called from inside parallel_for.
void set_num_threads(int n);

// Calls fn(chunk_begin, chunk_end) over [begin,end), chunks possibly running concurrently.
// Chunks hold at least `grain` items when possible. Runs inline when the range is small or
// when called from inside a worker.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace tailor
