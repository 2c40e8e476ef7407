#include "pose/onnx_decoders.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gaitlens::internal {

namespace {

constexpr int kMinCropKeypoints = 2;
constexpr double kMinCropSide = 8.0;  // pixels, before padding

// Index of the largest finite value (first on ties) and that value; -inf when none.
int ArgMax(const float* values, int count, double* best) {
  int index = -1;
  *best = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < count; ++i) {
    const double value = values[i];
    if (value > *best && std::isfinite(value)) {
      *best = value;
      index = i;
    }
  }
  return index;
}

// +0.25 when the value after is higher, -0.25 when the one before is, 0 otherwise.
double QuarterShift(double before, double after) {
  const double diff = after - before;
  if (!std::isfinite(diff) || diff == 0) return 0;
  return diff > 0 ? 0.25 : -0.25;
}

}  // namespace

TopDownCrop FitAspectRatio(double centre_x, double centre_y, double width, double height,
                           double aspect) {
  TopDownCrop crop{centre_x, centre_y, width, height};
  if (width > height * aspect) {
    crop.height = width / aspect;
  } else {
    crop.width = height * aspect;
  }
  return crop;
}

TopDownCrop WholeFrameCrop(int frame_width, int frame_height, int input_width, int input_height) {
  return FitAspectRatio(frame_width / 2.0, frame_height / 2.0, frame_width, frame_height,
                        static_cast<double>(input_width) / input_height);
}

bool CropAroundKeypoints(const std::vector<Keypoint>& keypoints, double min_confidence,
                         double padding, int frame_width, int frame_height, int input_width,
                         int input_height, TopDownCrop* crop) {
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0;
  double x1 = -x0, y1 = -x0;
  int confident = 0;
  for (const Keypoint& p : keypoints) {
    if (!(p.confidence >= min_confidence) || p.IsMissing()) continue;
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const double x = std::clamp(p.x, 0.0, static_cast<double>(frame_width));
    const double y = std::clamp(p.y, 0.0, static_cast<double>(frame_height));
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
    ++confident;
  }
  if (confident < kMinCropKeypoints) return false;
  if (std::max(x1 - x0, y1 - y0) < kMinCropSide) return false;
  *crop = FitAspectRatio((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * padding, (y1 - y0) * padding,
                         static_cast<double>(input_width) / input_height);
  return true;
}

void MapInputToFrame(const TopDownCrop& crop, int input_width, int input_height,
                     std::vector<Keypoint>* keypoints) {
  const double sx = crop.width / input_width, sy = crop.height / input_height;
  for (Keypoint& p : *keypoints) {
    if (p.IsMissing()) {
      p = Keypoint{};
      continue;
    }
    p.x = crop.left() + p.x * sx;
    p.y = crop.top() + p.y * sy;
  }
}

std::vector<Keypoint> DecodeHeatmaps(const float* heatmaps, int num_keypoints, int height,
                                     int width, int input_width, int input_height) {
  std::vector<Keypoint> keypoints(num_keypoints);
  const int cells = height * width;
  const double to_input_x = static_cast<double>(input_width) / width;
  const double to_input_y = static_cast<double>(input_height) / height;
  for (int k = 0; k < num_keypoints; ++k) {
    const float* map = heatmaps + static_cast<long>(k) * cells;
    double best = 0;
    const int cell = ArgMax(map, cells, &best);
    if (cell < 0 || best <= 0) continue;  // missing
    const int px = cell % width, py = cell / width;
    double x = px, y = py;
    if (px > 0 && px < width - 1) x += QuarterShift(map[cell - 1], map[cell + 1]);
    if (py > 0 && py < height - 1) y += QuarterShift(map[cell - width], map[cell + width]);
    keypoints[k] = {x * to_input_x, y * to_input_y, std::min(best, 1.0)};
  }
  return keypoints;
}

std::vector<Keypoint> DecodeSimcc(const float* simcc_x, int x_bins, const float* simcc_y,
                                  int y_bins, int num_keypoints, double split_ratio) {
  std::vector<Keypoint> keypoints(num_keypoints);
  for (int k = 0; k < num_keypoints; ++k) {
    double best_x = 0, best_y = 0;
    const int bin_x = ArgMax(simcc_x + static_cast<long>(k) * x_bins, x_bins, &best_x);
    const int bin_y = ArgMax(simcc_y + static_cast<long>(k) * y_bins, y_bins, &best_y);
    if (bin_x < 0 || bin_y < 0) continue;
    const double score = std::min(best_x, best_y);
    if (score <= 0) continue;  // missing
    keypoints[k] = {bin_x / split_ratio, bin_y / split_ratio, std::min(score, 1.0)};
  }
  return keypoints;
}

}  // namespace gaitlens::internal
