#pragma once
// hangu::dist: data-parallel training over MPI (issue 9). One process per rank, started by
// `mpirun -np N`; collectives on tensors and DistributedDataParallel (ddp.h) on top.
//
// Built without MPI (HANGU_WITH_MPI=OFF) the same API is a single-process stub: world size 1,
// rank 0, every collective an identity, so callers need no #ifdef.
//
// Every wait is bounded: a collective that does not complete within timeout_seconds() (env
// HANGU_DIST_TIMEOUT, default 300 s) throws Error(dist_timeout), and MPI errors are returned to
// us (MPI_ERRORS_RETURN) and thrown as Error(dist_mpi_failed), so a dead rank makes the others
// stop with one line instead of hanging.
#include <cstdint>

#include "hangu/core/tensor.h"

namespace hangu::dist {

enum class ReduceOp : uint8_t { sum, mean, max, min };

// Whether this library was built with MPI.
bool built_with_mpi();
// The number of processes an MPI launcher announced in the environment (OMPI_COMM_WORLD_SIZE,
// PMI_SIZE, PMIX_SIZE ...), or 0 when this process was not started by one.
int launcher_world_size();

// Initialises MPI (MPI_Init_thread, funneled: only the calling thread talks to MPI). Idempotent.
// Without MPI it only marks the stub initialised. Throws Error(dist_init_failed).
void init(int* argc = nullptr, char*** argv = nullptr);
// init() when a launcher started more than one process; a build without MPI then throws
// Unsupported(dist_not_built) naming `context`. Returns whether init() ran.
bool init_if_launched(int* argc, char*** argv, const char* context);
// MPI_Finalize when init() started MPI; a no-op otherwise. Call it on success only: after an
// error use abort(), since finalize waits for every rank.
void finalize();
// Ends every rank of the job with `exit_code` (MPI_Abort); without MPI or a world of one it exits
// this process only.
[[noreturn]] void abort(int exit_code);
bool is_initialized();
// 0 and 1 when not initialised.
int rank();
int world_size();

// Collectives, called by every rank in the same order with tensors of the same shape and dtype
// (defined, contiguous; f32, f64, i32 or i64). In place.
//
// all_reduce gathers every rank's tensor (MPI_Iallgather) and combines them on each rank in rank
// order, so the result is bit-identical on every rank and independent of MPI's algorithm; it costs
// world_size times the tensor in memory and traffic, against about twice for a ring reduction.
// ReduceOp::mean on integers truncates.
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::sum);
// Copies rank `root`'s tensor into every rank's.
void broadcast(Tensor& t, int root = 0);
// Every rank's tensor, stacked along a new dim 0: shape [world_size, ...t.shape].
Tensor all_gather(const Tensor& t);
void barrier();

// The limit on any one wait, in seconds.
double timeout_seconds();
void set_timeout_seconds(double seconds);

}  // namespace hangu::dist
