#!/usr/bin/env bash
# The issue-7 transfer-learning comparison (point 3): on the 猪脸 set (10 classes x 300 digits,
# tools/make_pig_faces.py), ResNet-18 trained from scratch against the same ResNet-18 started from
# a backbone that PyTorch pretrained on other MNIST digits (tools/pretrain_digit_backbone.py),
# with --freeze-backbone (only the new head trains) and fine-tuning everything, at equal epochs.
#   tools/transfer_compare.sh [BUILD_DIR=build] [WORK_DIR] [EPOCHS=6]
# Prints one line per run with its best validation accuracy; the JSON of each run is kept in
# WORK_DIR. Needs Debian's /usr/bin/python3 with torch, torchvision, PIL and numpy.
set -euo pipefail
src_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$src_dir/build}" && pwd)
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/hangu-transfer.XXXXXX")}
epochs=${3:-6}
hangu=$build_dir/bin/hangu
mkdir -p "$work"
cd "$work"
[ -d 猪脸 ] || /usr/bin/python3 "$src_dir/tools/make_pig_faces.py" 猪脸 --per-class 300 --size 56
[ -f backbone.safetensors ] ||
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} /usr/bin/python3 "$src_dir/tools/pretrain_digit_backbone.py" \
    backbone.safetensors --images 5000 --epochs 8
common=(train --data 猪脸 --model resnet18 --epochs "$epochs" --json)
run() {  # name, extra options...
  local name=$1
  shift
  local t0
  t0=$(date +%s)
  "$hangu" "${common[@]}" --out "model-$name" "$@" > "$name.json"
  /usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print("%-8s val_accuracy %.2f%% (%d/%d), best epoch %d" % (sys.argv[2], 100 * j["val_accuracy"], j["val_correct"], j["val_images"], j["best_epoch"]), end="")' \
    "$name.json" "$name"
  echo ", $(( $(date +%s) - t0 )) s"
}
run frozen --init backbone.safetensors --freeze-backbone
run scratch
run finetune --init backbone.safetensors
echo "results in $work"
