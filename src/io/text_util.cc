#include "io/text_util.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "gaitlens/core/error.h"

namespace gaitlens::internal {

namespace fs = std::filesystem;

std::string ReadFileToString(const std::string& path, bool allow_empty) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  GAITLENS_CHECK_INPUT(fs::exists(status), InputError, path, ": no such file");
  GAITLENS_CHECK_INPUT(!fs::is_directory(status), InputError, path,
                       ": is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  GAITLENS_CHECK_INPUT(in.good(), InputError, path, ": cannot open for reading (",
                       std::strerror(errno), ")");
  std::ostringstream content;
  content << in.rdbuf();
  GAITLENS_CHECK_INPUT(!in.bad(), InputError, path, ": read error");
  std::string text = content.str();
  GAITLENS_CHECK_INPUT(allow_empty || !text.empty(), InputError, path, ": file is empty");
  return text;
}

void WriteFileAtomically(const std::string& path, std::string_view content) {
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::random_device random;
  const fs::path temporary =
      target.parent_path() /
      ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()) + "_" +
       std::to_string(random()));
  {
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    GAITLENS_CHECK_INPUT(file != nullptr, InputError, path, ": cannot write (",
                         std::strerror(errno), ")");
    const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
    const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
    const bool closed = std::fclose(file) == 0;
    if (!written || !flushed || !closed) {
      fs::remove(temporary, ec);
      GAITLENS_THROW(InputError, path, ": write failed (", std::strerror(errno), ")");
    }
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    GAITLENS_THROW(InputError, path, ": cannot replace file (", ec.message(), ")");
  }
}

std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    std::string_view field =
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
      field.remove_suffix(1);
    }
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = field.substr(1, field.size() - 2);
    }
    fields.emplace_back(field);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

bool ParseDouble(std::string_view field, double* value) {
  if (field.empty() || field.size() > 64) return false;
  const std::string text(field);
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  *value = parsed;
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string Excerpt(std::string_view text, std::size_t max_size) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_size) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char c = byte(i);
    const std::size_t length = c < 0x80                 ? 1
                               : c >= 0xC2 && c <= 0xDF ? 2
                               : c >= 0xE0 && c <= 0xEF ? 3
                               : c >= 0xF0 && c <= 0xF4 ? 4
                                                        : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t j = 1; valid && j < length; ++j) valid = (byte(i + j) & 0xC0) == 0x80;
    if (valid && length >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
      const unsigned char second = byte(i + 1);
      valid = !(c == 0xE0 && second < 0xA0) && !(c == 0xED && second > 0x9F) &&
              !(c == 0xF0 && second < 0x90) && !(c == 0xF4 && second > 0x8F);
    }
    if (!valid || (length == 1 && (c < 0x20 || c == 0x7F))) {
      out += '?';
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace gaitlens::internal
