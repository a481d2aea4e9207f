#!/usr/bin/env bash
# What anomaly mode costs when it is off (issue 8, point 5; docs/robustness.md).
# Builds `hangu` twice: BUILD (default `build`: the checks compiled in, as shipped) and
# BUILD-noanomaly (-DHANGU_ANOMALY_CHECKS=OFF: the two places that test the flag compiled without
# it), then runs `hangu bench train` for LeNet and the MLP at batch 16 (the training default, where
# per-op costs weigh most) and 128, alternating the two programs ROUNDS times, and prints the
# median samples/s of each, their ratio, and the same with anomaly mode on (HANGU_DETECT_ANOMALY=1).
# Usage: bench/anomaly_overhead.sh [BUILD=build] [ROUNDS=7]. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-7}
off="$build-noanomaly"
for dir in "$build" "$off"; do
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    extra=()
    [ "$dir" = "$off" ] && extra=(-DHANGU_ANOMALY_CHECKS=OFF)
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DHANGU_BUILD_TESTS=OFF "${extra[@]}" >/dev/null
  fi
done
grep -q '^HANGU_ANOMALY_CHECKS:BOOL=OFF' "$off/CMakeCache.txt" || cmake "$off" -DHANGU_ANOMALY_CHECKS=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target hangu_cli >/dev/null
cmake --build "$off" -j"${JOBS:-2}" --target hangu_cli >/dev/null

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "hangu bench train, median of $rounds alternating runs; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
echo "| model | batch | checks compiled out | shipped, anomaly off | off / out | anomaly on | on / out |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for model in lenet mlp; do
  for batch in 16 128; do
    steps=$(( batch == 16 ? 600 : 120 ))
    args=(bench train --model "$model" --batch-size "$batch" --steps "$steps" --json)
    : > /tmp/anomaly_out.$$; : > /tmp/anomaly_off.$$; : > /tmp/anomaly_on.$$
    for _ in $(seq "$rounds"); do
      env -u HANGU_DETECT_ANOMALY "$off/bin/hangu" "${args[@]}" | sed -n 's/.*"samples_per_second":\([0-9.e+]*\).*/\1/p' >> /tmp/anomaly_out.$$
      env -u HANGU_DETECT_ANOMALY "$build/bin/hangu" "${args[@]}" | sed -n 's/.*"samples_per_second":\([0-9.e+]*\).*/\1/p' >> /tmp/anomaly_off.$$
      HANGU_DETECT_ANOMALY=1 "$build/bin/hangu" "${args[@]}" | sed -n 's/.*"samples_per_second":\([0-9.e+]*\).*/\1/p' >> /tmp/anomaly_on.$$
    done
    a=$(median < /tmp/anomaly_out.$$); b=$(median < /tmp/anomaly_off.$$); c=$(median < /tmp/anomaly_on.$$)
    awk -v m="$model" -v n="$batch" -v a="$a" -v b="$b" -v c="$c" \
      'BEGIN { printf "| %s | %d | %.0f | %.0f | %.3f | %.0f | %.3f |\n", m, n, a, b, b / a, c, c / a }'
  done
done
rm -f /tmp/anomaly_out.$$ /tmp/anomaly_off.$$ /tmp/anomaly_on.$$
