#!/usr/bin/env bash
# The kill test of crash-safe training (docs/robustness.md): scripts/kill_test.sh [ROUNDS] [SEED]
# Trains the MLP on data/mnist-10k once without interruption, then again while killing `hangu
# train` with SIGKILL ROUNDS times (default 50) at random moments and during saves, resuming each
# time; checks that a loadable checkpoint always exists, that at most one --checkpoint-every
# interval is lost, and that the final weights equal the uninterrupted run's byte for byte.
# Environment: BUILD (build folder with bin/hangu and bin/kill_resume, default build), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-50}
seed=${2:-1}
build=${BUILD:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j"${JOBS:-2}" --target hangu_cli kill_resume
work=$(mktemp -d "${TMPDIR:-/tmp}/hangu_kill_test.XXXXXX")
start=$(date +%s)
status=0
bin=$(cd "$build/bin" && pwd)
"$bin/kill_resume" "$bin/hangu" "$PWD/data/mnist-10k" "$work" "$rounds" "$seed" || status=$?
echo "== kill test: $rounds rounds in $(( $(date +%s) - start )) s (work folder $work)"
[ $status -eq 0 ] && rm -rf "$work"
exit $status
