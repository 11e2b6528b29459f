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
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, start] { worker_loop(start); });
  }

  // Runs task(i) for every i in [0, n_tasks): the caller and the workers claim tasks in index
  // order as they finish the last one, so a thread that loses its core holds up the one task
  // it is running, not a fixed share of the region, and a worker that has not woken up yet
  // is not waited for. Which thread runs a task never changes what it computes.
  void run(int n_tasks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one parallel region at a time
    Region region;
    region.task = &task;
    region.n_tasks = n_tasks;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      region_ = &region;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    t_in_worker = true;  // nested parallel_for calls from a task run inline
    const int mine = claim_tasks(region);
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
    std::atomic<int> next{0};           // the next task to claim
    int done = 0;                       // tasks finished (under mutex_)
    int attached = 0;                   // workers claiming from it (under mutex_)
    std::exception_ptr error;           // the first task's exception (under mutex_)
    std::atomic<bool> finished{false};  // set under mutex_ when done == n_tasks, attached == 0
  };

  // Runs tasks until none is left; returns how many this thread ran.
  int claim_tasks(Region& r) {
    int ran = 0;
    for (;;) {
      const int i = r.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= r.n_tasks) return ran;
      try {
        (*r.task)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mutex_);
        if (!r.error) r.error = std::current_exception();
      }
      ++ran;
    }
  }

  void worker_loop(uint64_t seen) {
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
      const int ran = claim_tasks(*r);
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
  int64_t per = n / chunks, extra = n % chunks;
  pool().run(chunks, [&](int i) {
    int64_t b = begin + i * per + std::min<int64_t>(i, extra);
    int64_t e = b + per + (i < extra ? 1 : 0);
    fn(b, e);
  });
}

}  // namespace tailor
