#!/usr/bin/env bash
# Builds with a sanitizer and runs the tests it is meant for (docs/robustness.md):
#   scripts/sanitize.sh asan        ASan + UBSan (HANGU_SANITIZE, build-asan): the whole test suite
#                                   except the slow install test
#   scripts/sanitize.sh asan-quick  ASan + UBSan: the loader, robustness and fault tests only
#   scripts/sanitize.sh tsan        TSan (HANGU_SANITIZE_THREAD, build-tsan): the thread pool,
#                                   DataLoader and determinism tests
# Environment: JOBS (build and test jobs, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
jobs=${JOBS:-2}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# Tests of the loaders and of issue 8's guarantees: quick enough for CI under ASan.
quick_tests=(test_fuzz_regressions test_robustness test_faults test_anomaly test_kill_resume test_thread_pool
             test_safetensors test_npy test_json test_checkpoint test_data)
# Tests with threads: the pool, the DataLoader's workers, thread-count independence.
tsan_tests=(test_thread_pool test_data test_determinism)

configure() {  # folder, options...
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@"
  fi
}

case "$mode" in
  asan | asan-quick)
    configure build-asan -DHANGU_SANITIZE=ON
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    if [ "$mode" = asan ]; then
      cmake --build build-asan -j"$jobs"
      ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE slow -E 'DistMpi\.'
      # The mpirun tests: OpenMPI 4.1 never frees some of what MPI_Init allocates. The slow
      # unwinder gives LeakSanitizer whole stacks through OpenMPI's plugins, so that those
      # allocations (and only those) are suppressed by scripts/lsan_openmpi.supp.
      ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" LSAN_OPTIONS="suppressions=$PWD/scripts/lsan_openmpi.supp:print_suppressions=0" \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" -R 'DistMpi\.'
    else
      cmake --build build-asan -j"$jobs" --target hangu_cli "${quick_tests[@]}"
      for t in "${quick_tests[@]}"; do
        echo "== $t"
        "build-asan/bin/$t" --gtest_brief=1
      done
    fi
    ;;
  tsan)
    configure build-tsan -DHANGU_SANITIZE_THREAD=ON
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    cmake --build build-tsan -j"$jobs" --target hangu_cli "${tsan_tests[@]}"
    for t in "${tsan_tests[@]}"; do
      echo "== $t"
      # TSan cannot map its shadow memory with the kernel's largest ASLR ranges: run without ASLR.
      setarch "$(uname -m)" -R "build-tsan/bin/$t" --gtest_brief=1
    done
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|asan-quick|tsan" >&2
    exit 2
    ;;
esac
echo "== sanitize $mode: passed"
