#include <gtest/gtest.h>
TEST(MarkerDetector, Placeholder) {}
