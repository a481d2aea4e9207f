#!/usr/bin/env bash
# Installs Hangu into a temporary prefix and builds examples/consumer against it, once with
# find_package(Hangu) and once with pkg-config; runs both and checks what they print.
#   tests/install/consumer_test.sh [BUILD_DIR] [SOURCE_DIR]
# BUILD_DIR: an existing Hangu build folder to reuse (default: a fresh one in the temp folder).
set -euo pipefail

src_dir=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hangu-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
build_dir=${1:-$tmp/build}
prefix=$tmp/prefix
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  step "configure Hangu in $build_dir"
  cmake -S "$src_dir" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DHANGU_BUILD_TESTS=OFF
fi
step "build the library and the CLI"
cmake --build "$build_dir" --target hangu_cli -j "${HANGU_JOBS:-2}"
step "install into $prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null

for f in bin/hangu include/hangu/hangu.h include/hangu/core/tensor.h include/hangu/core/messages/all.inc; do
  [[ -e $prefix/$f ]] || fail "missing $prefix/$f"
done
pc=$(find "$prefix" -name hangu.pc | head -n 1)
config=$(find "$prefix" -name HanguConfig.cmake | head -n 1)
[[ -n $pc ]] || fail "hangu.pc not installed"
[[ -n $config ]] || fail "HanguConfig.cmake not installed"
[[ -z $(find "$prefix/include" -path '*/cli/*') ]] || fail "the CLI's private headers were installed"
version_out=$("$prefix/bin/hangu" --version)
[[ $version_out == "hangu "* ]] || fail "installed hangu --version printed: $version_out"
info_out=$(LANG=C LC_ALL=C "$prefix/bin/hangu" info --json)
[[ $info_out == *'"ops": ['* ]] || fail "installed hangu info --json has no op list"

expected=$tmp/expected.txt
cat >"$expected" <<'OUT'
tensor([[0, 1, 2],
        [3, 4, 5]])
tensor([[0., 3.],
        [1., 4.],
        [2., 5.]])
OUT

check_output() {  # name, program
  local out=$tmp/$1.out
  "$2" >"$out"
  head -n 1 "$out" | grep -q '^hangu [0-9]' || fail "$1: first line is not the version: $(head -n 1 "$out")"
  tail -n +2 "$out" | diff -u "$expected" - || fail "$1: unexpected output"
  echo "ok: $1"
}

step "consumer with find_package(Hangu)"
cmake -S "$src_dir/examples/consumer" -B "$tmp/consumer-cmake" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/consumer-cmake" >/dev/null
check_output cmake "$tmp/consumer-cmake/consumer"

step "consumer with pkg-config"
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not found"; exit 77; }
export PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046  # the flags are meant to split into words
"${CXX:-c++}" -O1 "$src_dir/examples/consumer/main.cpp" -o "$tmp/consumer-pc" $(pkg-config --cflags --libs hangu)
check_output pkg-config "$tmp/consumer-pc"
echo "install_consumer: all good"
