// libFuzzer target for gaitlens::ParseGaitlensCsv: on any bytes it must either return a valid
// result or throw a gaitlens::Error; a crash, a sanitizer report, an abort or any other exception
// is a bug. Build and run from the source tree (seeds: tests/fuzz/corpus/fuzz_gaitlens_csv):
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//       -I/usr/include/eigen3 src/pose/*.cc src/io/text_util.cc src/io/gaitlens_csv.cc \
//       src/io/openpose_json.cc src/io/deeplabcut_csv.cc src/io/pose_json.cc \
//       src/io/keypoint_files.cc tests/fuzz/fuzz_gaitlens_csv.cc -o fuzz_gaitlens_csv
//   ./fuzz_gaitlens_csv -max_total_time=60 tests/fuzz/corpus/fuzz_gaitlens_csv
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_common.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gaitlens::fuzz::CheckSequenceReader([&] { return gaitlens::ParseGaitlensCsv(text, "fuzz.csv"); },
                                      "fuzz.csv");
  return 0;
}
