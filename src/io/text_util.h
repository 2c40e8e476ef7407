// Private file helpers shared by the io readers and writers.
#ifndef GAITLENS_SRC_IO_TEXT_UTIL_H_
#define GAITLENS_SRC_IO_TEXT_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

namespace gaitlens::internal {

// Reads a whole file. Throws InputError naming the path when it is missing, a folder,
// unreadable or (unless allow_empty) empty.
std::string ReadFileToString(const std::string& path, bool allow_empty = false);

// Writes `content` to a temporary file next to `path`, flushes it and renames it over `path`, so
// that `path` holds either the old or the complete new content, never a part. Creates missing
// parent folders. Throws InputError when the folder is not writable.
void WriteFileAtomically(const std::string& path, std::string_view content);

// Splits one CSV line on commas (no quoting support beyond stripping surrounding double quotes
// and whitespace from each field).
std::vector<std::string> SplitCsvLine(std::string_view line);

// Parses a whole field as a double; returns false for empty, partial or non-numeric text.
// Accepts "nan"/"inf" spellings (the caller decides whether they are allowed).
bool ParseDouble(std::string_view field, double* value);

// File content safe to quote in an error message: at most max_size bytes of valid UTF-8, control
// characters and invalid bytes replaced by '?', "..." appended when cut.
std::string Excerpt(std::string_view text, std::size_t max_size = 60);

// Splits text into lines, dropping a trailing '\r' on each.
std::vector<std::string_view> SplitLines(std::string_view text);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_IO_TEXT_UTIL_H_
