// Private bridge between gaitlens::Image and cv::Mat (zero-copy both ways).
#ifndef GAITLENS_SRC_CORE_OPENCV_UTIL_H_
#define GAITLENS_SRC_CORE_OPENCV_UTIL_H_

#include <memory>

#include <opencv2/core.hpp>

#include "gaitlens/core/image.h"

namespace gaitlens::internal {

// Shares the Mat's pixels (8-bit, 1 or 3 channels); the Image keeps the Mat alive.
inline Image ImageFromMat(const cv::Mat& mat) {
  CV_Assert(mat.depth() == CV_8U && (mat.channels() == 1 || mat.channels() == 3));
  auto keeper = std::make_shared<cv::Mat>(mat);
  return Image(mat.cols, mat.rows, mat.channels(), mat.step[0], keeper->data, keeper);
}

// A Mat header over the Image's pixels (no copy; valid while the Image lives).
inline cv::Mat MatFromImage(const Image& image) {
  return cv::Mat(image.height(), image.width(), CV_8UC(image.channels()),
                 const_cast<std::uint8_t*>(image.data()), image.step_bytes());
}

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_CORE_OPENCV_UTIL_H_
