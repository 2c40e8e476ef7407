#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/enum_strings.h"
#include "gaitlens/core/error.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/models.h"
#include "pose/movenet_decoder.h"
#include "pose/onnx_model.h"
#include "pose/xnn_network.h"

namespace gaitlens {

namespace internal {

std::vector<Keypoint> DecodeMoveNet(const MoveNetHeads& heads) {
  const int g = heads.grid;
  const double middle = g / 2.0;
  int centre = 0;
  double best = -std::numeric_limits<double>::infinity();
  for (int y = 0; y < g; ++y) {
    for (int x = 0; x < g; ++x) {
      const double weight = 1.0 / (std::hypot(y - middle, x - middle) + 1.8);
      const double value = heads.centres.at(0, y * g + x, g) * weight;
      if (value > best) {
        best = value;
        centre = y * g + x;
      }
    }
  }
  const int cy = centre / g, cx = centre % g;
  std::vector<Keypoint> keypoints(17);
  for (int k = 0; k < 17; ++k) {
    const double reg_y = cy + heads.regression.at(2 * k, centre, g);
    const double reg_x = cx + heads.regression.at(2 * k + 1, centre, g);
    int cell = 0;
    double best_cell = -std::numeric_limits<double>::infinity();
    for (int y = 0; y < g; ++y) {
      for (int x = 0; x < g; ++x) {
        const double value = heads.heatmaps.at(k, y * g + x, g) / (std::hypot(y - reg_y, x - reg_x) + 1.8);
        if (value > best_cell) {
          best_cell = value;
          cell = y * g + x;
        }
      }
    }
    const int ky = cell / g, kx = cell % g;
    keypoints[k].y = (ky + heads.offsets.at(2 * k, cell, g)) / g;
    keypoints[k].x = (kx + heads.offsets.at(2 * k + 1, cell, g)) / g;
    keypoints[k].confidence = std::clamp(static_cast<double>(heads.heatmaps.at(k, cell, g)), 0.0, 1.0);
  }
  return keypoints;
}

}  // namespace internal

namespace {

constexpr std::pair<InferenceEngine, const char*> kEngineNames[] = {
    {InferenceEngine::kAuto, "auto"},
    {InferenceEngine::kXnnpack, "xnnpack"},
    {InferenceEngine::kOpenCv, "opencv"},
};

}  // namespace

const char* ToString(InferenceEngine engine) { return internal::EnumToString(kEngineNames, engine); }

InferenceEngine InferenceEngineFromString(std::string_view name) {
  return internal::EnumFromString(kEngineNames, name, "inference engine");
}

void MoveNetOptions::Check() const {
  GAITLENS_CHECK_INPUT(!model.empty(), OptionError, "MoveNetOptions.model must name a model");
  GAITLENS_CHECK_INPUT(crop_min_confidence >= 0 && crop_min_confidence <= 1, OptionError,
                       "MoveNetOptions.crop_min_confidence must be in [0, 1], got ",
                       crop_min_confidence);
  GAITLENS_CHECK_INPUT(input_size == 0 || (input_size >= 32 && input_size <= 1024 && input_size % 32 == 0),
                       OptionError, "MoveNetOptions.input_size must be 0 or a multiple of 32 in [32, 1024], got ",
                       input_size);
  GAITLENS_CHECK_INPUT(engine == InferenceEngine::kAuto || engine == InferenceEngine::kXnnpack ||
                           engine == InferenceEngine::kOpenCv,
                       OptionError, "MoveNetOptions.engine is not a valid engine");
  GAITLENS_CHECK_INPUT(threads >= 0 && threads <= 64, OptionError,
                       "MoveNetOptions.threads must be in [0, 64], got ", threads);
}

namespace {

// A square region of the frame (may extend past its borders), pixels.
struct Crop {
  double x0 = 0, y0 = 0, size = 0;
};

Crop WholeFrame(int width, int height) {
  const double size = std::max(width, height);
  return {(width - size) / 2.0, (height - size) / 2.0, size};
}

// MoveNet's recommended crop: centred on the hips, large enough for the torso (x1.9) and the
// whole body (x1.2) as seen in the previous frame. Returns false when the runner was lost.
bool CropAroundRunner(const std::vector<Keypoint>& keypoints, double min_confidence, int width,
                      int height, Crop* crop) {
  constexpr int kLeftShoulder = 5, kRightShoulder = 6, kLeftHip = 11, kRightHip = 12;
  auto visible = [&](int k) { return keypoints[k].confidence >= min_confidence; };
  const bool torso = (visible(kLeftHip) || visible(kRightHip)) &&
                     (visible(kLeftShoulder) || visible(kRightShoulder));
  if (!torso) return false;
  double cx = 0, cy = 0;
  int n = 0;
  for (int k : {kLeftHip, kRightHip}) {
    if (!visible(k)) continue;
    cx += keypoints[k].x;
    cy += keypoints[k].y;
    ++n;
  }
  cx /= n;
  cy /= n;
  double torso_range = 0, body_range = 0;
  for (int k = 0; k < 17; ++k) {
    if (!visible(k)) continue;
    const double range = std::max(std::abs(keypoints[k].x - cx), std::abs(keypoints[k].y - cy));
    body_range = std::max(body_range, range);
    if (k == kLeftShoulder || k == kRightShoulder || k == kLeftHip || k == kRightHip) {
      torso_range = std::max(torso_range, range);
    }
  }
  double half = std::max(torso_range * 1.9, body_range * 1.2);
  half = std::min(half, std::max({cx, width - cx, cy, height - cy}));
  if (half < 8) return false;
  *crop = {cx - half, cy - half, 2 * half};
  return true;
}

// The four CenterNet heads the converted graph exposes, in MoveNetHeads order, with their
// channel counts.
constexpr const char* kHeadNames[4] = {"heatmaps", "centers", "regression", "offsets"};
constexpr int kHeadChannels[4] = {17, 1, 34, 34};

class MoveNetDetector final : public PoseDetector {
 public:
  explicit MoveNetDetector(const MoveNetOptions& options) : options_(options) {
    options.Check();
    std::string path = options.model;
    input_size_ = options.input_size;
    if (options.model.find(".onnx") == std::string::npos) {
      const ModelInfo info = ResolveModel(options.model, options.cache_dir);
      path = info.path;
      name_ = info.name;
      if (input_size_ == 0) input_size_ = info.input_size;
    } else {
      name_ = path;
    }
    if (input_size_ == 0) input_size_ = path.find("thunder") != std::string::npos ? 256 : 192;
    if (options.engine != InferenceEngine::kOpenCv) {
      try {
        CreateXnnpackNetwork(path);
        name_ += ", XNNPACK";
        return;
      } catch (const Error&) {
        if (options.engine == InferenceEngine::kXnnpack) throw;
      }
    }
    name_ += ", OpenCV DNN";
    try {
      net_ = cv::dnn::readNetFromONNX(path);
    } catch (const cv::Exception& e) {
      GAITLENS_THROW(FormatError, path, ": OpenCV cannot load this ONNX model (", e.what(), ")");
    }
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    try {
      Run(cv::Mat::zeros(input_size_, input_size_, CV_8UC3), input_size_);
    } catch (const cv::Exception& e) {
      GAITLENS_THROW(FormatError, path,
                     ": not a MoveNet model with outputs heatmaps, centers, regression, offsets (",
                     e.what(), ")");
    }
  }

  KeypointLayout layout() const override { return KeypointLayout::kCoco17; }
  std::string name() const override { return name_; }
  void Reset() override { have_previous_ = false; }

  void Detect(const Image& frame, std::vector<Keypoint>* keypoints) override {
    const cv::Mat bgr = internal::MatFromImage(frame);
    Crop crop;
    const bool tracked = options_.track_crop && have_previous_ &&
                         CropAroundRunner(previous_, options_.crop_min_confidence, frame.width(),
                                          frame.height(), &crop);
    if (!tracked) crop = WholeFrame(frame.width(), frame.height());
    *keypoints = DetectInCrop(bgr, crop);
    if (!tracked && options_.track_crop && options_.refine_lost_frames &&
        CropAroundRunner(*keypoints, options_.crop_min_confidence, frame.width(), frame.height(),
                         &crop)) {
      *keypoints = DetectInCrop(bgr, crop);
    }
    previous_ = *keypoints;
    have_previous_ = true;
  }

 private:
  void CreateXnnpackNetwork(const std::string& path) {
    const int threads = options_.threads > 0
                            ? options_.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    xnn_ = std::make_unique<internal::XnnNetwork>(internal::ReadOnnxModel(path), path, threads);
    const internal::XnnNetwork::Tensor& in = xnn_->input();
    GAITLENS_CHECK_INPUT(in.channels == 3 && in.height == input_size_ && in.width == input_size_,
                         FormatError, path, ": expected a ", input_size_, "x", input_size_,
                         " RGB input, the model has ", in.channels, "x", in.height, "x", in.width);
    const int grid = input_size_ / 4;
    for (int i = 0; i < 4; ++i) {
      const internal::XnnNetwork::Tensor& out = xnn_->output(kHeadNames[i]);
      GAITLENS_CHECK_INPUT(out.channels == kHeadChannels[i] && out.height == grid && out.width == grid,
                           FormatError, path, ": unexpected MoveNet output shape of ", kHeadNames[i]);
    }
  }

  std::vector<Keypoint> Run(const cv::Mat& rgb_square, int size) {
    if (xnn_ != nullptr) return RunXnnpack(rgb_square, size);
    const cv::Mat blob = cv::dnn::blobFromImage(rgb_square, 1.0, cv::Size(), cv::Scalar(), false,
                                                false, CV_32F);
    net_.setInput(blob);
    std::vector<cv::Mat> outputs;
    net_.forward(outputs, std::vector<cv::String>(std::begin(kHeadNames), std::end(kHeadNames)));
    const int grid = size / 4;
    for (int i = 0; i < 4; ++i) {
      const cv::Mat& output = outputs[i];
      GAITLENS_CHECK_INPUT(output.dims == 4 && output.size[1] == kHeadChannels[i] &&
                               output.size[2] == grid && output.size[3] == grid,
                           FormatError, name_, ": unexpected MoveNet output shape");
    }
    internal::MoveNetHeads heads;
    heads.grid = grid;
    heads.heatmaps.data = outputs[0].ptr<float>();
    heads.centres.data = outputs[1].ptr<float>();
    heads.regression.data = outputs[2].ptr<float>();
    heads.offsets.data = outputs[3].ptr<float>();
    return internal::DecodeMoveNet(heads);
  }

  // XNNPACK: NHWC in and out, so the RGB crop is the input as it is, in float.
  std::vector<Keypoint> RunXnnpack(const cv::Mat& rgb_square, int size) {
    internal::XnnNetwork::Tensor& in = xnn_->input();
    cv::Mat input(size, size, CV_32FC3, in.data.data());
    rgb_square.convertTo(input, CV_32F);
    xnn_->Run();
    internal::MoveNetHeads heads;
    heads.grid = size / 4;
    internal::MoveNetHeads::Head* targets[4] = {&heads.heatmaps, &heads.centres, &heads.regression,
                                                &heads.offsets};
    for (int i = 0; i < 4; ++i) {
      const internal::XnnNetwork::Tensor& out = xnn_->output(kHeadNames[i]);
      targets[i]->data = out.data.data();
      targets[i]->channel_stride = 1;
      targets[i]->cell_stride = out.channels;
    }
    return internal::DecodeMoveNet(heads);
  }

  std::vector<Keypoint> DetectInCrop(const cv::Mat& bgr, const Crop& crop) {
    const double scale = input_size_ / crop.size;
    const cv::Matx23d transform(scale, 0, -crop.x0 * scale, 0, scale, -crop.y0 * scale);
    cv::warpAffine(bgr, warped_, transform, cv::Size(input_size_, input_size_), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    cv::cvtColor(warped_, rgb_, cv::COLOR_BGR2RGB);
    std::vector<Keypoint> keypoints = Run(rgb_, input_size_);
    for (Keypoint& p : keypoints) {
      p.x = crop.x0 + p.x * crop.size;
      p.y = crop.y0 + p.y * crop.size;
    }
    return keypoints;
  }

  MoveNetOptions options_;
  std::string name_;
  cv::dnn::Net net_;
  std::unique_ptr<internal::XnnNetwork> xnn_;  // set when XNNPACK runs the model
  int input_size_ = 0;
  cv::Mat warped_, rgb_;
  std::vector<Keypoint> previous_;
  bool have_previous_ = false;
};

}  // namespace

std::unique_ptr<PoseDetector> CreateMoveNetDetector(const MoveNetOptions& options) {
  return std::make_unique<MoveNetDetector>(options);
}

}  // namespace gaitlens
