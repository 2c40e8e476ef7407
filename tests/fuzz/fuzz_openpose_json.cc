// libFuzzer target for gaitlens::ParseOpenPoseFrame: on any bytes it must either return a valid
// result or throw a gaitlens::Error; a crash, a sanitizer report, an abort or any other exception
// is a bug. Build and run from the source tree (seeds: tests/fuzz/corpus/fuzz_openpose_json):
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//       -I/usr/include/eigen3 src/pose/*.cc src/io/text_util.cc src/io/gaitlens_csv.cc \
//       src/io/openpose_json.cc src/io/deeplabcut_csv.cc src/io/pose_json.cc \
//       src/io/keypoint_files.cc tests/fuzz/fuzz_openpose_json.cc -o fuzz_openpose_json
//   ./fuzz_openpose_json -max_total_time=60 tests/fuzz/corpus/fuzz_openpose_json
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_common.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto people = gaitlens::ParseOpenPoseFrame(text, "fuzz_keypoints.json");
    for (const auto& person : people) {
      if (person.size() != people.front().size()) std::abort();
      for (const gaitlens::Keypoint& p : person) {
        // Every returned point is finite, in range, and missing points are 0, 0, 0.
        if (!(p.confidence >= 0.0 && p.confidence <= 1.0)) std::abort();
        if (!(std::abs(p.x) <= 1e6 && std::abs(p.y) <= 1e6)) std::abort();
        if (p.IsMissing() && (p.x != 0.0 || p.y != 0.0)) std::abort();
      }
    }
  } catch (const gaitlens::Error& error) {
    // Rejected input: expected, with a readable message.
    if (!gaitlens::fuzz::IsPrintableUtf8(error.what())) std::abort();
  }
  return 0;
}
