#include "test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

namespace gaitlens::test {

namespace fs = std::filesystem;

TemporaryFolder::TemporaryFolder() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? std::string(info->test_suite_name()) + "_" + info->name()
                                     : std::string("gaitlens");
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::random_device random;
  const fs::path folder =
      fs::temp_directory_path() / ("gaitlens_test_" + name + "_" + std::to_string(random()));
  fs::create_directories(folder);
  path_ = folder.string();
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TemporaryFolder::File(const std::string& name) const { return path_ + "/" + name; }

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string SharedDataDir() {
  if (const char* env = std::getenv("GAITLENS_SHARED_DATA"); env != nullptr && *env != '\0') {
    return fs::is_directory(env) ? std::string(env) : std::string();
  }
  const fs::path candidate = fs::path(GAITLENS_SOURCE_DIR).parent_path() / "shared" / "data";
  return fs::is_directory(candidate / "real") ? candidate.string() : std::string();
}

}  // namespace gaitlens::test
