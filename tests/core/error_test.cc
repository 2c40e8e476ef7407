#include "gaitlens/core/error.h"

#include <gtest/gtest.h>

#include "gaitlens/core/enum_strings.h"

namespace gaitlens {
namespace {

TEST(Error, HierarchyLetsCallersCatchTheBase) {
  EXPECT_THROW(GAITLENS_THROW(InputError, "a"), Error);
  EXPECT_THROW(GAITLENS_THROW(FormatError, "a"), Error);
  EXPECT_THROW(GAITLENS_THROW(OptionError, "a"), Error);
  EXPECT_THROW(GAITLENS_THROW(AnalysisError, "a"), Error);
  EXPECT_THROW(GAITLENS_THROW(FormatError, "a"), std::runtime_error);
}

TEST(Error, MessageIsTheStreamedArguments) {
  try {
    GAITLENS_THROW(FormatError, "poses.csv", ": line ", 7, ": expected ", 6.5, " columns");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "poses.csv: line 7: expected 6.5 columns");
  }
}

TEST(Error, CheckInputThrowsOnlyWhenConditionFails) {
  EXPECT_NO_THROW(GAITLENS_CHECK_INPUT(1 + 1 == 2, OptionError, "never"));
  EXPECT_THROW(GAITLENS_CHECK_INPUT(1 + 1 == 3, OptionError, "always"), OptionError);
}

enum class Color { kRed, kGreen };
constexpr std::pair<Color, const char*> kColorNames[] = {{Color::kRed, "red"},
                                                         {Color::kGreen, "green"}};

TEST(EnumStrings, RoundTripAndHelpfulErrors) {
  EXPECT_EQ(internal::EnumFromString(kColorNames, "green", "color"), Color::kGreen);
  EXPECT_STREQ(internal::EnumToString(kColorNames, Color::kRed), "red");
  try {
    internal::EnumFromString(kColorNames, "blue", "color");
    FAIL() << "no exception";
  } catch (const OptionError& e) {
    EXPECT_STREQ(e.what(), "unknown color 'blue' (valid: red, green)");
  }
}

}  // namespace
}  // namespace gaitlens
