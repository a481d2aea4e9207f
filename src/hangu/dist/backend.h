#pragma once
// The raw-memory interface between dist.cpp / ddp.cpp and the transport: backend_mpi.cpp when
// HANGU_WITH_MPI, else backend_stub.cpp (one process). Internal to the dist layer.
#include <cstdint>
#include <memory>

#include "hangu/core/dtype.h"

namespace hangu::dist::backend {

struct RequestState;  // defined by the backend
// A started nonblocking operation; null when it completed at once.
using Request = std::shared_ptr<RequestState>;

bool built_with_mpi();
void init(int* argc, char*** argv);
void finalize();
[[noreturn]] void abort(int exit_code);
bool initialized();
int rank();
int size();

// `count` elements of `dtype` (f32, f64, i32, i64) from each rank; recv holds size() * count.
Request iallgather(const void* send, void* recv, int64_t count, DType dtype, const char* what);
// In place, MPI_SUM.
Request iallreduce_sum(void* buf, int64_t count, DType dtype, const char* what);
Request ibcast(void* buf, int64_t count, DType dtype, int root, const char* what);
Request ibarrier(const char* what);
// True once `r` has completed (drives MPI's progress). Throws Error(dist_mpi_failed).
bool test(Request& r, const char* what);

}  // namespace hangu::dist::backend

namespace hangu::dist {
// Waits for `r` under the watchdog (timeout_seconds()); throws Error(dist_timeout) naming `what`.
void wait(backend::Request& r, const char* what);
}  // namespace hangu::dist
