#include "runtime/dist/communicator.h"

#include <cstdlib>
#include <mutex>

#include "runtime/error.h"

#ifdef TAILOR_WITH_MPI
// The C API only: OpenMPI's and MPICH's C++ bindings need libraries of their own.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#endif

namespace tailor::dist {

namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }
  void allreduce_sum(float*, int64_t) override {}
  void allreduce_sum(int64_t*, int64_t) override {}
  void allreduce_max(double*, int64_t) override {}
  void allreduce_min(double*, int64_t) override {}
  void broadcast(std::string*, int) override {}
  std::vector<std::string> gather(const std::string& bytes, int) override { return {bytes}; }
  void barrier() override {}
  [[noreturn]] void abort(const std::string& message, int) override { throw UserError(message); }
};

#ifdef TAILOR_WITH_MPI
void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw UserError(std::string(what) + " failed: " + std::string(text, len));
}

// MPI's counts are ints: a large buffer goes in pieces.
constexpr int64_t kMaxPiece = int64_t(1) << 30;

class Mpi final : public Communicator {
 public:
  Mpi() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      std::atexit([] {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
      });
    }
    // Errors come back as codes (thrown as UserError) instead of aborting inside MPI.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void allreduce_sum(float* data, int64_t n) override {
    for (int64_t at = 0; at < n; at += kMaxPiece)
      check(MPI_Allreduce(MPI_IN_PLACE, data + at, int(std::min(kMaxPiece, n - at)), MPI_FLOAT,
                          MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
  }
  void allreduce_sum(int64_t* data, int64_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void allreduce_max(double* data, int64_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void allreduce_min(double* data, int64_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
  void broadcast(std::string* bytes, int root) override {
    int64_t n = static_cast<int64_t>(bytes->size());
    check(MPI_Bcast(&n, 1, MPI_INT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
    bytes->resize(size_t(n));
    if (n > 0) check(MPI_Bcast(bytes->data(), int(n), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
  std::vector<std::string> gather(const std::string& bytes, int root) override {
    int n = static_cast<int>(bytes.size());
    std::vector<int> counts(size_), offsets(size_);
    check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD),
          "MPI_Gather");
    std::string all;
    if (rank_ == root) {
      int total = 0;
      for (int r = 0; r < size_; ++r) offsets[r] = total, total += counts[r];
      all.resize(size_t(total));
    }
    check(MPI_Gatherv(bytes.data(), n, MPI_CHAR, all.data(), counts.data(), offsets.data(),
                      MPI_CHAR, root, MPI_COMM_WORLD),
          "MPI_Gatherv");
    std::vector<std::string> out;
    if (rank_ == root)
      for (int r = 0; r < size_; ++r) out.push_back(all.substr(offsets[r], counts[r]));
    return out;
  }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(const std::string& message, int status) override {
    std::fprintf(stderr, "tailor: rank %d: %s\n", rank_, message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
    std::exit(status);
  }

 private:
  int rank_ = 0, size_ = 1;
};
#endif

}  // namespace

bool mpi_built() {
#ifdef TAILOR_WITH_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

Communicator& world() {
  static std::unique_ptr<Communicator> instance;
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef TAILOR_WITH_MPI
    if (launched_by_mpi()) {
      instance = std::make_unique<Mpi>();
      return;
    }
#endif
    instance = std::make_unique<SingleProcess>();
  });
  return *instance;
}

}  // namespace tailor::dist
