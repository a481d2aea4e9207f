// The single-process transport used when Hangu is built without MPI: one rank, and every
// collective completes at once.
#if !HANGU_WITH_MPI
#include <cstdlib>
#include <cstring>

#include "hangu/dist/backend.h"

namespace hangu::dist::backend {

struct RequestState {};

namespace {
bool g_initialized = false;
}

bool built_with_mpi() { return false; }
void init(int*, char***) { g_initialized = true; }
void finalize() { g_initialized = false; }
void abort(int exit_code) { std::_Exit(exit_code); }
bool initialized() { return g_initialized; }
int rank() { return 0; }
int size() { return 1; }

Request iallgather(const void* send, void* recv, int64_t count, DType dtype, const char*) {
  if (send != recv && count > 0) std::memcpy(recv, send, static_cast<size_t>(count * dtype_size(dtype)));
  return nullptr;
}
Request iallreduce_sum(void*, int64_t, DType, const char*) { return nullptr; }
Request ibcast(void*, int64_t, DType, int, const char*) { return nullptr; }
Request ibarrier(const char*) { return nullptr; }
bool test(Request&, const char*) { return true; }

}  // namespace hangu::dist::backend
#endif
