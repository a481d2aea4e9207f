// The MPI transport (HANGU_WITH_MPI): a private duplicate of MPI_COMM_WORLD whose errors are
// returned to us (MPI_ERRORS_RETURN) instead of aborting inside MPI, and nonblocking collectives
// that dist::wait() polls under its watchdog.
#if HANGU_WITH_MPI
#include <mpi.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "hangu/core/error.h"
#include "hangu/dist/backend.h"

namespace hangu::dist::backend {

struct RequestState {
  MPI_Request req = MPI_REQUEST_NULL;
};

namespace {

MPI_Comm g_comm = MPI_COMM_NULL;
bool g_started_mpi = false;  // we called MPI_Init (and so call MPI_Finalize)
int g_rank = 0;
int g_size = 1;
// The line printed when the launcher terminates this rank, formatted at init() because a signal
// handler may not allocate.
std::string g_stop_line;

extern "C" void on_terminate(int sig) {
  if (!g_stop_line.empty()) {
    ssize_t ignored = ::write(STDERR_FILENO, g_stop_line.data(), g_stop_line.size());
    (void)ignored;
  }
  ::_exit(128 + sig);
}

[[noreturn]] void fail(int rc, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  throw Error(MsgId::dist_mpi_failed, what, g_rank, g_size, len > 0 ? std::string(text, len) : std::to_string(rc));
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) fail(rc, what);
}

MPI_Datatype mpi_type(DType t, const char* what) {
  switch (t) {
    case DType::f32:
      return MPI_FLOAT;
    case DType::f64:
      return MPI_DOUBLE;
    case DType::i32:
      return MPI_INT32_T;
    case DType::i64:
      return MPI_INT64_T;
    default:
      throw DTypeError(MsgId::dist_bad_tensor, what, t, "");
  }
}

int mpi_count(int64_t count, const char* what) {
  if (count < 0 || count > INT_MAX) throw ValueError(MsgId::dist_count_too_large, what, count, INT_MAX);
  return static_cast<int>(count);
}

}  // namespace

bool built_with_mpi() { return true; }

void init(int* argc, char*** argv) {
  if (g_comm != MPI_COMM_NULL) return;
  int flag = 0;
  MPI_Initialized(&flag);
  if (!flag) {
    int provided = 0;
    int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) throw Error(MsgId::dist_init_failed, "MPI_Init_thread " + std::to_string(rc));
    g_started_mpi = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_dup(MPI_COMM_WORLD, &g_comm), "MPI_Comm_dup");
  check(MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(g_comm, &g_rank), "MPI_Comm_rank");
  check(MPI_Comm_size(g_comm, &g_size), "MPI_Comm_size");
  if (g_size > 1) {
    // mpirun ends the surviving ranks with SIGTERM when one dies: say so in one line.
    g_stop_line =
        tr(MsgId::cli_error_line, {tr(MsgId::dist_launcher_stop, {std::to_string(g_rank), std::to_string(g_size)})}) +
        "\n";
    std::signal(SIGTERM, on_terminate);
  }
}

void finalize() {
  if (g_comm == MPI_COMM_NULL) return;
  MPI_Comm_free(&g_comm);
  g_comm = MPI_COMM_NULL;
  int done = 0;
  MPI_Finalized(&done);
  if (g_started_mpi && !done) MPI_Finalize();
  g_rank = 0;
  g_size = 1;
}

void abort(int exit_code) {
  std::fflush(nullptr);
  std::signal(SIGTERM, SIG_DFL);  // this rank has said why; the launcher's SIGTERM needs no second line
  if (g_comm != MPI_COMM_NULL && g_size > 1) MPI_Abort(g_comm, exit_code);
  std::_Exit(exit_code);
}

bool initialized() { return g_comm != MPI_COMM_NULL; }
int rank() { return g_rank; }
int size() { return g_size; }

Request iallgather(const void* send, void* recv, int64_t count, DType dtype, const char* what) {
  auto r = std::make_shared<RequestState>();
  MPI_Datatype t = mpi_type(dtype, what);
  int n = mpi_count(count, what);
  check(MPI_Iallgather(send, n, t, recv, n, t, g_comm, &r->req), what);
  return r;
}

Request iallreduce_sum(void* buf, int64_t count, DType dtype, const char* what) {
  auto r = std::make_shared<RequestState>();
  MPI_Datatype t = mpi_type(dtype, what);
  int n = mpi_count(count, what);
  check(MPI_Iallreduce(MPI_IN_PLACE, buf, n, t, MPI_SUM, g_comm, &r->req), what);
  return r;
}

Request ibcast(void* buf, int64_t count, DType dtype, int root, const char* what) {
  auto r = std::make_shared<RequestState>();
  MPI_Datatype t = mpi_type(dtype, what);
  int n = mpi_count(count, what);
  check(MPI_Ibcast(buf, n, t, root, g_comm, &r->req), what);
  return r;
}

Request ibarrier(const char* what) {
  auto r = std::make_shared<RequestState>();
  check(MPI_Ibarrier(g_comm, &r->req), what);
  return r;
}

bool test(Request& r, const char* what) {
  if (!r) return true;
  int done = 0;
  int rc = MPI_Test(&r->req, &done, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    r.reset();
    fail(rc, what);
  }
  if (done) r.reset();
  return done != 0;
}

}  // namespace hangu::dist::backend
#endif
