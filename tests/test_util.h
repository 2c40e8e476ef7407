// Helpers shared by the C++ tests.
#ifndef GAITLENS_TESTS_TEST_UTIL_H_
#define GAITLENS_TESTS_TEST_UTIL_H_

#include <exception>
#include <string>

#include <gtest/gtest.h>

#include "gaitlens/io/keypoint_files.h"

namespace gaitlens::test {

// A fresh, empty folder unique to the running test, removed when the object goes away.
class TemporaryFolder {
 public:
  TemporaryFolder();
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

// Writes bytes to a file (creating or replacing it).
void WriteFile(const std::string& path, const std::string& bytes);

// The message of the ErrorType that function() throws; a test failure when it throws nothing or
// another type.
template <typename ErrorType, typename Function>
std::string ErrorMessage(Function&& function) {
  try {
    function();
  } catch (const ErrorType& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "threw the wrong exception type: " << error.what();
    return "";
  }
  ADD_FAILURE() << "threw nothing";
  return "";
}

// Keypoint read options with only the frame rate set.
inline KeypointReadOptions Fps(double fps) {
  KeypointReadOptions options;
  options.fps = fps;
  return options;
}

// The real clips folder ../shared/data next to the source tree (or $GAITLENS_SHARED_DATA), or ""
// when absent. Tests that need it call GAITLENS_REQUIRE_SHARED_DATA() first.
std::string SharedDataDir();

}  // namespace gaitlens::test

// Skips the current test with a clear message when ../shared/data is absent (a user's fresh
// clone). CI always has it, so there these tests run.
#define GAITLENS_REQUIRE_SHARED_DATA()                                                         \
  do {                                                                                         \
    if (::gaitlens::test::SharedDataDir().empty()) {                                           \
      GTEST_SKIP() << "../shared/data (real clips with ground truth) is not next to the source " \
                      "tree; set GAITLENS_SHARED_DATA to run this test";                       \
    }                                                                                          \
  } while (false)

// Expects `text` to contain `fragment`, printing both otherwise.
#define EXPECT_CONTAINS(text, fragment)                          \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) \
      << "message '" << (text) << "' does not contain '" << (fragment) << "'"

#endif  // GAITLENS_TESTS_TEST_UTIL_H_
