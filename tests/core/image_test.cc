#include "gaitlens/core/image.h"

#include <gtest/gtest.h>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"

namespace gaitlens {
namespace {

TEST(Image, AllocatesZeroedPixels) {
  Image image(4, 3, 3);
  EXPECT_EQ(image.width(), 4);
  EXPECT_EQ(image.height(), 3);
  EXPECT_EQ(image.step_bytes(), 12u);
  EXPECT_FALSE(image.empty());
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 12; ++x) EXPECT_EQ(image.row(y)[x], 0);
  }
}

TEST(Image, CopiesShareCloneDoesNot) {
  Image image(2, 2, 1);
  Image shared = image;
  Image clone = image.Clone();
  image.row(1)[1] = 42;
  EXPECT_EQ(shared.row(1)[1], 42);
  EXPECT_EQ(clone.row(1)[1], 0);
}

TEST(Image, RejectsInvalidSizes) {
  EXPECT_THROW(Image(-1, 2, 3), OptionError);
  EXPECT_THROW(Image(2, 2, 4), OptionError);
  EXPECT_TRUE(Image().empty());
}

TEST(Image, SharesPixelsWithOpenCvBothWays) {
  cv::Mat mat(5, 7, CV_8UC3, cv::Scalar(1, 2, 3));
  Image image = internal::ImageFromMat(mat);
  mat.at<cv::Vec3b>(4, 6) = cv::Vec3b(9, 8, 7);
  EXPECT_EQ(image.row(4)[6 * 3], 9);
  mat = cv::Mat();  // the Image keeps the pixels alive
  EXPECT_EQ(image.row(0)[2], 3);
  cv::Mat view = internal::MatFromImage(image);
  EXPECT_EQ(view.cols, 7);
  EXPECT_EQ(view.at<cv::Vec3b>(4, 6)[2], 7);
}

}  // namespace
}  // namespace gaitlens
