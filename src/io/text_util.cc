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

}  // namespace gaitlens::internal
