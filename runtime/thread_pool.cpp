#include "runtime/thread_pool.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tailor {

namespace {

thread_local bool t_in_worker = false;

class ThreadPool {
 public:
  explicit ThreadPool(int n) { resize(n); }
  ~ThreadPool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n) {
    stop();
    if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    stopping_ = false;
    // New workers must skip the jobs already run: start them at the current generation.
    const uint64_t start = generation_;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, start] { worker_loop(i, start); });
  }

  // Runs task(i) for i in [0, n_tasks) across the pool; the caller runs task 0.
  void run(int n_tasks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lk(mutex_);
      task_ = &task;
      n_tasks_ = n_tasks;
      remaining_ = n_tasks - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    t_in_worker = true;  // nested parallel_for calls from task 0 run inline
    run_one(0);
    t_in_worker = false;
    std::unique_lock<std::mutex> lk(mutex_);
    done_cv_.wait(lk, [this] { return remaining_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_one(int i) {
    try {
      (*task_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }

  void worker_loop(int index, uint64_t seen) {
    t_in_worker = true;
    for (;;) {
      std::unique_lock<std::mutex> lk(mutex_);
      cv_.wait(lk, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (index >= n_tasks_) continue;
      lk.unlock();
      run_one(index);
      lk.lock();
      if (--remaining_ == 0) done_cv_.notify_one();
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
  const std::function<void(int)>* task_ = nullptr;
  int n_tasks_ = 0;
  int remaining_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
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
  int chunks = static_cast<int>(std::min<int64_t>(max_chunks, num_threads()));
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
