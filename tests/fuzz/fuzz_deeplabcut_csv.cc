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

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"

namespace {

// True when `text` is printable, valid UTF-8 (error messages reach Python, which decodes them).
bool IsPrintableUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\t') return false;
      ++i;
      continue;
    }
    const std::size_t length = c >= 0xC2 && c <= 0xDF   ? 2
                               : c >= 0xE0 && c <= 0xEF ? 3
                               : c >= 0xF0 && c <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) & 0xC0) != 0x80) return false;
    }
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) ||
        (c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    gaitlens::KeypointReadOptions options;
    options.fps = 30.0;
    options.deeplabcut_min_likelihood = size > 0 ? data[0] / 255.0 : 0.0;
    const gaitlens::PoseSequence poses = gaitlens::ParseDeepLabCutCsv(text, "fuzz.csv", options);
    if (poses.empty()) std::abort();  // readers never return an empty sequence
    poses.Validate("fuzz.csv");       // what a reader returns is valid
  } catch (const gaitlens::Error& error) {
    // Rejected input: expected, with a readable message.
    if (!IsPrintableUtf8(error.what())) std::abort();
  }
  return 0;
}
