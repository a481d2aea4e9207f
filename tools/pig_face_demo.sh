#!/usr/bin/env bash
# The issue-7 demonstration, end to end, in Chinese: makes the 猪脸 data set (10 classes x 300
# MNIST digits, 56x56, half JPEG half PNG, some grayscale, plus 20 held-out images per class),
# trains with the defaults, then classifies and evaluates the held-out images.
#   tools/pig_face_demo.sh [BUILD_DIR] [WORK_DIR]
# BUILD_DIR: a Hangu build with bin/hangu (default: build). WORK_DIR: where the data and the model
# go (default: a new temporary folder, kept). Needs Debian's /usr/bin/python3 with PIL and numpy.
set -euo pipefail

src_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$src_dir/build}" && pwd)
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/hangu-pig.XXXXXX")}
hangu=$build_dir/bin/hangu
mkdir -p "$work"
cd "$work"
export LANG=zh_CN.UTF-8

echo "== 数据：$work/猪脸"
rm -rf 猪脸 猪脸-holdout 猪脸-model
/usr/bin/python3 "$src_dir/tools/make_pig_faces.py" 猪脸 --per-class 300 --size 56 --holdout 20

echo "== hangu 训练 --data 猪脸"
start=$(date +%s)
"$hangu" 训练 --data 猪脸
echo "训练用时（墙钟）：$(( $(date +%s) - start )) 秒"

echo "== hangu 预测（每类前 2 张留出图像）"
"$hangu" 预测 --model 猪脸-model 猪脸-holdout/*/t000[01].*

echo "== hangu 评估 --data 猪脸-holdout"
"$hangu" 评估 --model 猪脸-model --data 猪脸-holdout
echo "== 结果在 $work"
