// libFuzzer target for gaitlens::ParseDeepLabCutCsv: on any bytes it must either return a valid
// result or throw a gaitlens::Error; a crash, a sanitizer report, an abort or any other exception
// is a bug. Build and run from the source tree (seeds: tests/fuzz/corpus/fuzz_deeplabcut_csv):
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//       -I/usr/include/eigen3 src/pose/*.cc src/io/text_util.cc src/io/gaitlens_csv.cc \
//       src/io/openpose_json.cc src/io/deeplabcut_csv.cc src/io/pose_json.cc \
//       src/io/keypoint_files.cc tests/fuzz/fuzz_deeplabcut_csv.cc -o fuzz_deeplabcut_csv
//   ./fuzz_deeplabcut_csv -max_total_time=60 tests/fuzz/corpus/fuzz_deeplabcut_csv
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_common.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gaitlens::KeypointReadOptions options;
  options.fps = 30.0;
  options.deeplabcut_min_likelihood = size > 0 ? data[0] / 255.0 : 0.0;
  gaitlens::fuzz::CheckSequenceReader(
      [&] { return gaitlens::ParseDeepLabCutCsv(text, "fuzz.csv", options); }, "fuzz.csv");
  return 0;
}
