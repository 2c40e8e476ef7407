// Shared checks of the libFuzzer targets: a reader must return a valid result or throw a
// gaitlens::Error whose message is printable UTF-8; anything else aborts (a finding).
#ifndef GAITLENS_TESTS_FUZZ_FUZZ_COMMON_H_
#define GAITLENS_TESTS_FUZZ_FUZZ_COMMON_H_

#include <cstddef>
#include <cstdlib>
#include <string_view>

#include "gaitlens/core/error.h"
#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens::fuzz {

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


// Runs a reader that returns a PoseSequence: a result must be non-empty and valid.
template <typename Reader>
void CheckSequenceReader(Reader&& read, const char* name) {
  try {
    const PoseSequence poses = read();
    if (poses.empty()) std::abort();  // readers never return an empty sequence
    poses.Validate(name);             // what a reader returns is valid
  } catch (const Error& error) {
    // Rejected input: expected, with a readable message.
    if (!IsPrintableUtf8(error.what())) std::abort();
  }
}

}  // namespace gaitlens::fuzz

#endif  // GAITLENS_TESTS_FUZZ_FUZZ_COMMON_H_
