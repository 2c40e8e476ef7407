#include "io/text_util.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "test_util.h"

namespace gaitlens {
namespace {

TEST(TextUtil, ReadFileErrorsNameThePath) {
  test::TemporaryFolder folder;
  EXPECT_THROW(internal::ReadFileToString(folder.File("missing.csv")), InputError);
  EXPECT_THROW(internal::ReadFileToString(folder.path()), InputError);
  test::WriteFile(folder.File("empty.csv"), "");
  try {
    internal::ReadFileToString(folder.File("empty.csv"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.csv: file is empty"), std::string::npos);
  }
  EXPECT_EQ(internal::ReadFileToString(folder.File("empty.csv"), /*allow_empty=*/true), "");
}

TEST(TextUtil, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  test::TemporaryFolder folder;
  const std::string path = folder.File("sub/out.txt");
  internal::WriteFileAtomically(path, "first version, long");
  internal::WriteFileAtomically(path, "second");
  EXPECT_EQ(internal::ReadFileToString(path), "second");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder.File("sub"))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_THROW(internal::WriteFileAtomically("/proc/gaitlens_cannot_write_here/x", "a"), InputError);
}

TEST(TextUtil, CsvFieldsAndNumbers) {
  const auto fields = internal::SplitCsvLine(" a, \"b\" ,,3.5\r");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], "a");
  EXPECT_EQ(fields[1], "b");
  EXPECT_EQ(fields[2], "");
  double value = 0;
  EXPECT_TRUE(internal::ParseDouble(fields[3], &value));
  EXPECT_EQ(value, 3.5);
  EXPECT_FALSE(internal::ParseDouble("3.5x", &value));
  EXPECT_FALSE(internal::ParseDouble("", &value));
  EXPECT_TRUE(internal::ParseDouble("-1e-3", &value));
  EXPECT_EQ(value, -1e-3);
  const auto lines = internal::SplitLines("a\r\nb\n\nc");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "c");
}

}  // namespace
}  // namespace gaitlens
