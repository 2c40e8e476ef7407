#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz with clang (ASan + UBSan) and runs each for a fixed
# time on a working copy of its seed corpus. Fails on any crash, sanitizer report or exception
# other than gaitlens::Error escaping a reader.
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET
# FUZZ_TARGETS="tests/fuzz/fuzz_onnx_model.cc ..." limits the run to some targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz}
seconds=${2:-60}
mkdir -p "$build/obj" "$build/corpus"

CXX=${FUZZ_CXX:-clang++}
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -Itests/fuzz
       -fno-sanitize-recover=undefined -Iinclude -Isrc -I/usr/include/eigen3)
# The readers the fuzz targets reach, without OpenCV or Ceres.
sources=(src/pose/keypoint_layout.cc src/pose/pose_sequence.cc src/io/text_util.cc
         src/io/gaitlens_csv.cc src/io/openpose_json.cc src/io/deeplabcut_csv.cc
         src/io/pose_json.cc src/io/keypoint_files.cc src/pose/onnx_model.cc)

objects=()
for source in "${sources[@]}"; do
  object="$build/obj/$(basename "${source%.cc}").o"
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ -n "$(find include src/io/text_util.h -newer "$object" -name '*.h' 2>/dev/null | head -1)" ]; then
    "$CXX" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$source" -o "$object"
  fi
  objects+=("$object")
done

status=0
for target_source in ${FUZZ_TARGETS:-tests/fuzz/fuzz_*.cc}; do
  target=$(basename "${target_source%.cc}")
  binary="$build/$target"
  "$CXX" "${flags[@]}" -fsanitize=fuzzer "$target_source" "${objects[@]}" -o "$binary"
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  if [ -d "tests/fuzz/corpus/$target" ]; then cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true; fi
  echo "fuzz: $target for ${seconds}s"
  if ! "$binary" -max_total_time="$seconds" -print_final_stats=0 -artifact_prefix="$build/$target-" \
       "$corpus" > "$build/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; last lines of $build/$target.log:" >&2
    tail -n 40 "$build/$target.log" >&2
    status=1
  else
    grep -E '^#[0-9]+.*DONE' "$build/$target.log" | tail -n 1 | sed "s/^/fuzz: $target: /" || true
  fi
done
[ $status -eq 0 ] && echo "fuzz: all targets ran ${seconds}s each without a finding"
exit $status
