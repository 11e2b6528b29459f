#pragma once
// Data-parallel training's process group: the ranks of an `mpirun` job, or one process alone.
// MPI is the engine when Tailor was built with it and runs under mpirun (OMPI/PMI/MPICH
// environment); otherwise the single-process communicator makes every collective a no-op,
// so `tailor train` without mpirun needs nothing at runtime.
//
// Every collective must be called by all ranks in the same order. A rank that dies makes
// mpirun abort the others (its default), so a collective never waits for ever on a dead peer.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tailor::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;  // "single" or "mpi"
  bool is_root() const { return rank() == 0; }

  // In place: data = the sum over ranks (float32 / int64).
  virtual void allreduce_sum(float* data, int64_t n) = 0;
  virtual void allreduce_sum(int64_t* data, int64_t n) = 0;
  // In place: data = the maximum over ranks; the minimum.
  virtual void allreduce_max(double* data, int64_t n) = 0;
  virtual void allreduce_min(double* data, int64_t n) = 0;
  // Rank `root`'s bytes on every rank.
  virtual void broadcast(std::string* bytes, int root) = 0;
  // Every rank's bytes, in rank order, on `root` (empty elsewhere).
  virtual std::vector<std::string> gather(const std::string& bytes, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank's process with `status` after `message` (MPI_Abort).
  [[noreturn]] virtual void abort(const std::string& message, int status) = 0;
};

// Whether this binary can run data-parallel over MPI.
bool mpi_built();
// Whether the process was started by an MPI launcher (mpirun, srun, ...).
bool launched_by_mpi();

// The process group: MPI when built with it and launched by mpirun, else a single process.
// Initializes MPI on first use and finalizes it at exit; the same object every call.
Communicator& world();

}  // namespace tailor::dist
