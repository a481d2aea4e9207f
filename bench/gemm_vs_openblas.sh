#!/bin/bash
# Issue 4's GEMM table: our sgemm against OpenBLAS's in the same process (`hangu bench matmul`
# built with -DHANGU_WITH_OPENBLAS=ON), at 1 and 2 threads, each case run REPS times (a fresh
# process each, 9 timed repetitions inside), with the min and median of the per-run ratios.
# OpenBLAS runs with its AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX, OPENBLAS_L2_SIZE unset), the
# faster of its settings here; the FMA peak is measured by `hangu bench peak` in the same run.
#
#   cmake -S . -B build-blas -DCMAKE_BUILD_TYPE=Release -DHANGU_WITH_OPENBLAS=ON
#   cmake --build build-blas --target hangu_cli -j
#   bench/gemm_vs_openblas.sh build-blas/bin/hangu [REPS]
# A benchmark, not a test: run it on a quiet machine.
set -euo pipefail
HANGU=${1:?usage: bench/gemm_vs_openblas.sh HANGU_BINARY [REPS]}
REPS=${2:-5}
PY=/usr/bin/python3
CASES=("1024 1024 1024" "2048 2048 2048" "256 256 256" "4096 64 1024" "64 4096 1024" "1 4096 4096")

for t in 1 2; do
  "$HANGU" --threads "$t" bench peak --json
done > /tmp/gemm_peak.$$.jsonl
for t in 1 2; do
  for c in "${CASES[@]}"; do
    read -r m n k <<< "$c"
    for ((r = 0; r < REPS; ++r)); do
      env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX \
        "$HANGU" --threads "$t" bench matmul --m "$m" --n "$n" --k "$k" --reps 9 --json
    done
  done
done > /tmp/gemm_runs.$$.jsonl
$PY - /tmp/gemm_peak.$$.jsonl /tmp/gemm_runs.$$.jsonl <<'EOF'
import json, statistics, sys
peak = {j["threads"]: j["gflops"] for j in map(json.loads, open(sys.argv[1]))}
runs = {}
for j in map(json.loads, open(sys.argv[2])):
    runs.setdefault((j["m"], j["n"], j["k"], j["threads"]), []).append(j)
print("| m x n x k | threads | Hangu GFLOP/s (median run) | OpenBLAS GFLOP/s | ratio min | ratio median | Hangu % of FMA peak |")
print("|---|---:|---:|---:|---:|---:|---:|")
for (m, n, k, t), rs in runs.items():
    ratios = [r["ratio"] for r in rs]
    med = sorted(rs, key=lambda r: r["ratio"])[len(rs) // 2]
    print(f"| {m}x{n}x{k} | {t} | {med['gflops']:.1f} | {med['openblas_gflops']:.1f} | {min(ratios):.3f} | "
          f"{statistics.median(ratios):.3f} | {100 * med['gflops'] / peak[t]:.0f}% |")
print()
print("FMA peak (hangu bench peak): " + ", ".join(f"{t} thread(s) {g:.1f} GFLOP/s" for t, g in sorted(peak.items())))
EOF
rm -f /tmp/gemm_peak.$$.jsonl /tmp/gemm_runs.$$.jsonl
