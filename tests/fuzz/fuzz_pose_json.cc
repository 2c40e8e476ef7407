// libFuzzer target for gaitlens::ParsePoseJson: on any bytes it must either return a valid
// result or throw a gaitlens::Error; a crash, a sanitizer report, an abort or any other exception
// is a bug. Build and run from the source tree (seeds: tests/fuzz/corpus/fuzz_pose_json):
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//       -I/usr/include/eigen3 src/pose/*.cc src/io/text_util.cc src/io/gaitlens_csv.cc \
//       src/io/openpose_json.cc src/io/deeplabcut_csv.cc src/io/pose_json.cc \
//       src/io/keypoint_files.cc tests/fuzz/fuzz_pose_json.cc -o fuzz_pose_json
//   ./fuzz_pose_json -max_total_time=60 tests/fuzz/corpus/fuzz_pose_json
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
  options.fps = size % 2 == 0 ? 30.0 : 0.0;  // half the inputs without a fallback frame rate
  gaitlens::fuzz::CheckSequenceReader(
      [&] { return gaitlens::ParsePoseJson(text, "fuzz.json", options); }, "fuzz.json");
  return 0;
}
