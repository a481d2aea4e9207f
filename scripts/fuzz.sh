#!/usr/bin/env bash
# Runs one libFuzzer target: scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#   TARGET: safetensors, npy, json, checkpoint, idx, cli_args (one per fuzz/fuzz_<target>.cpp)
# Configures build-fuzz with clang and HANGU_FUZZ=ON when needed (ASan + UBSan + libFuzzer), builds
# the target, and fuzzes with the committed seeds (fuzz/corpus/TARGET, read-only) plus a working
# corpus that grows between runs (build-fuzz/corpus/TARGET, not committed). Crashes, leaks, timeouts
# and out-of-memory inputs are saved to fuzz/crashes/TARGET/; each one found must be fixed and
# committed under tests/fixtures/fuzz_regressions/TARGET/ (see docs/robustness.md).
# Environment: HANGU_FUZZ_BUILD (build folder, default build-fuzz), JOBS (build jobs, default 2),
# FUZZ_RSS_MB (default 2048), FUZZ_MALLOC_MB (largest single allocation, default 512), FUZZ_NO_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]" >&2
  echo "targets: $(ls fuzz/fuzz_*.cpp | sed 's|fuzz/fuzz_||; s|\.cpp||' | tr '\n' ' ')" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
if [ ! -f "fuzz/fuzz_$target.cpp" ]; then
  echo "scripts/fuzz.sh: no fuzz target '$target' (fuzz/fuzz_$target.cpp)" >&2
  exit 2
fi

build=${HANGU_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ] || ! grep -q '^HANGU_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DHANGU_FUZZ=ON -DHANGU_BUILD_TESTS=OFF "${launcher[@]}"
fi
# FUZZ_NO_BUILD=1 runs the program already built (when the tree changed in places the loaders do not use).
if [ "${FUZZ_NO_BUILD:-0}" != 1 ] || [ ! -x "$build/bin/fuzz_$target" ]; then
  cmake --build "$build" -j"${JOBS:-2}" --target "fuzz_$target"
fi

work="$build/corpus/$target"
crashes="fuzz/crashes/$target"
mkdir -p "$work" "$crashes"
echo "== fuzz_$target for ${seconds}s; seeds: $(ls "fuzz/corpus/$target" | wc -l), working corpus: $(ls "$work" | wc -l)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
"$build/bin/fuzz_$target" "$work" "fuzz/corpus/$target" \
  -max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -malloc_limit_mb="${FUZZ_MALLOC_MB:-512}" \
  -timeout=20 -artifact_prefix="$crashes/" -print_final_stats=1 "$@" || status=$?
echo "== fuzz_$target: working corpus now $(ls "$work" | wc -l) inputs; crashes in $crashes: $(ls "$crashes" | wc -l)"
exit $status
