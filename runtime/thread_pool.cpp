#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tailor {

namespace {

thread_local bool t_in_worker = false;

// Chunks per thread in a parallel region: enough that a thread which loses its core to
// another process delays a small share of the region while the others take the rest.
constexpr int kChunksPerThread = 4;
// Home ranges per region at most; threads past it share them (claim_tasks).
constexpr int kMaxHomes = 64;

// The first of `parts` near-equal parts' start in [0, total): part k is [split_point(k),
// split_point(k + 1)).
inline int64_t split_point(int64_t total, int64_t k, int64_t parts) {
  return total * k / parts;
}

// How many home ranges (one per thread) a region of n_tasks tasks has: see claim_tasks.
int region_homes(int threads, int n_tasks) {
  return std::clamp(std::min(threads, n_tasks), 1, kMaxHomes);
}

// How long a worker polls for the next region, and the caller for the end of its region,
// before sleeping on a condition variable. A forward runs ~40 regions back to back, and each
// futex wake-up took tens of microseconds on these VMs, twice per region (worker, then caller).
int spin_microseconds() {
  static const int us = [] {
    const char* env = std::getenv("TAILOR_SPIN_US");
    return env ? std::clamp(std::atoi(env), 0, 10000) : 100;
  }();
  return us;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls ready() for up to spin_microseconds(); true if it turned true.
template <typename Ready>
bool spin_until(Ready ready) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::microseconds(spin_microseconds());
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if ((i & 63) == 63 && Clock::now() >= until) return false;
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int n) { resize(n); }
  ~ThreadPool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n) {
    stop();
    if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    stopping_ = false;
    // New workers must skip the regions already run: start them at the current generation.
    const uint64_t start = generation_.load();
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, start] { worker_loop(i, start); });
  }

  // Runs task(i) for every i in [0, n_tasks): the caller and the workers claim tasks as they
  // finish the last one (claim_tasks), so a thread that loses its core holds up the one task
  // it is running, not a fixed share of the region, and a worker that has not woken up yet
  // is not waited for. Which thread runs a task never changes what it computes.
  void run(int n_tasks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one parallel region at a time
    Region region;
    region.task = &task;
    region.n_tasks = n_tasks;
    region.homes = region_homes(size(), n_tasks);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      region_ = &region;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    t_in_worker = true;  // nested parallel_for calls from a task run inline
    const int mine = claim_tasks(region, 0);
    t_in_worker = false;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      region.done += mine;
      if (region.done == n_tasks && region.attached == 0) region.finished = true;
    }
    // The flag is only a hint to stop polling: the wait below decides under the lock.
    spin_until([&] { return region.finished.load(std::memory_order_acquire); });
    std::unique_lock<std::mutex> lk(mutex_);
    done_cv_.wait(lk, [&] { return region.done == n_tasks && region.attached == 0; });
    region_ = nullptr;
    if (region.error) std::rethrow_exception(region.error);
  }

 private:
  // One parallel region, on the caller's stack until every task is done and no worker holds it.
  struct Region {
    const std::function<void(int)>* task = nullptr;
    int n_tasks = 0;
    // The tasks split into `homes` contiguous ranges, one per thread: next[k] is range k's next
    // task. Padded to a line each, so that claims on one range do not stall the others.
    struct alignas(64) Cursor {
      std::atomic<int> next{0};
    };
    Cursor next[kMaxHomes];
    int homes = 1;
    int done = 0;                       // tasks finished (under mutex_)
    int attached = 0;                   // workers claiming from it (under mutex_)
    std::exception_ptr error;           // the first task's exception (under mutex_)
    std::atomic<bool> finished{false};  // set under mutex_ when done == n_tasks, attached == 0
  };

  // Task range k of a region's `homes` ranges: [home_begin(k), home_begin(k + 1)).
  static int home_begin(const Region& r, int k) { return int(split_point(r.n_tasks, k, r.homes)); }

  // Runs tasks until none is left; returns how many this thread ran. Thread `self` claims from
  // its own range first, in order, then from the others' (each from its front): with every
  // core free, thread k runs range k of every region, so a map written by a thread in one
  // region is read by the same thread in the next one where both split it alike (a depthwise
  // after the pointwise that wrote its channels, or the images of a batch), from its own L2
  // instead of the other core's. A thread that loses its core only delays the task it runs.
  int claim_tasks(Region& r, int self) {
    int ran = 0;
    for (int step = 0; step < r.homes; ++step) {
      const int k = (self + step) % r.homes, begin = home_begin(r, k), end = home_begin(r, k + 1);
      if (r.next[k].next.load(std::memory_order_relaxed) >= end - begin) continue;
      for (;;) {
        const int i = begin + r.next[k].next.fetch_add(1, std::memory_order_relaxed);
        if (i >= end) break;
        try {
          (*r.task)(i);
        } catch (...) {
          std::lock_guard<std::mutex> lk(mutex_);
          if (!r.error) r.error = std::current_exception();
        }
        ++ran;
      }
    }
    return ran;
  }

  void worker_loop(int self, uint64_t seen) {
    t_in_worker = true;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      std::unique_lock<std::mutex> lk(mutex_);
      cv_.wait(lk, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      Region* r = region_;
      if (!r) continue;  // woke after the region ended
      ++r->attached;
      lk.unlock();
      // Workers past the region's ranges (more threads than tasks) share them.
      const int ran = claim_tasks(*r, self % r->homes);
      lk.lock();
      r->done += ran;
      --r->attached;
      if (r->done == r->n_tasks && r->attached == 0) {
        r->finished.store(true, std::memory_order_release);
        done_cv_.notify_all();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable cv_, done_cv_;
  Region* region_ = nullptr;             // the region in progress (under mutex_)
  std::atomic<uint64_t> generation_{0};  // written under mutex_, polled without it
  bool stopping_ = false;
};

ThreadPool& pool() {
  static ThreadPool instance(0);
  return instance;
}

}  // namespace

int num_threads() {
  return pool().size();
}

void set_num_threads(int n) {
  pool().resize(n);
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t max_chunks = (n + grain - 1) / grain;
  const int threads = num_threads();
  int chunks = static_cast<int>(
      std::min<int64_t>(max_chunks, threads > 1 ? int64_t(threads) * kChunksPerThread : 1));
  if (chunks <= 1 || t_in_worker) {
    fn(begin, end);
    return;
  }
  // The items split evenly over the pool's home ranges first, then each home's share over its
  // chunks: a home whose chunks were one item longer than the others' made its thread run
  // 10 of 18 tasks before (the batch-1 predictors), now 9.
  const int homes = region_homes(threads, chunks);
  pool().run(chunks, [&](int i) {
    // The home holding chunk i: the last k with split_point(chunks, k, homes) <= i.
    const int64_t k = ((int64_t(i) + 1) * homes - 1) / chunks;
    const int64_t c0 = split_point(chunks, k, homes), c = split_point(chunks, k + 1, homes) - c0;
    const int64_t h0 = split_point(n, k, homes), h = split_point(n, k + 1, homes) - h0;
    fn(begin + h0 + split_point(h, i - c0, c), begin + h0 + split_point(h, i - c0 + 1, c));
  });
}

}  // namespace tailor
