// Top-down ONNX pose models described by a JSON file (docs/pose.md, "Bring your own ONNX model").
#include "gaitlens/pose/onnx_detector.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/enum_strings.h"
#include "gaitlens/core/error.h"
#include "pose/onnx_decoders.h"

namespace gaitlens {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::pair<OnnxOutputKind, const char*> kOutputKindNames[] = {
    {OnnxOutputKind::kHeatmap, "heatmap"},
    {OnnxOutputKind::kSimcc, "simcc"},
};

constexpr int kMaxInputSide = 4096;
// Keypoints of the previous frame that steer the crop.
constexpr double kCropMinConfidence = 0.2;

}  // namespace

const char* ToString(OnnxOutputKind kind) { return internal::EnumToString(kOutputKindNames, kind); }

OnnxOutputKind OnnxOutputKindFromString(std::string_view name) {
  return internal::EnumFromString(kOutputKindNames, name, "ONNX output kind");
}

void OnnxModelDescription::Check() const {
  GAITLENS_CHECK_INPUT(!model_path.empty(), OptionError,
                       "OnnxModelDescription.model_path must name an ONNX file");
  GAITLENS_CHECK_INPUT(input_width > 0 && input_width <= kMaxInputSide, OptionError,
                       "OnnxModelDescription.input_width must be in [1, ", kMaxInputSide,
                       "] pixels, got ", input_width);
  GAITLENS_CHECK_INPUT(input_height > 0 && input_height <= kMaxInputSide, OptionError,
                       "OnnxModelDescription.input_height must be in [1, ", kMaxInputSide,
                       "] pixels, got ", input_height);
  for (int c = 0; c < 3; ++c) {
    GAITLENS_CHECK_INPUT(std::isfinite(mean[c]), OptionError, "OnnxModelDescription.mean[", c,
                         "] must be finite, got ", mean[c]);
    GAITLENS_CHECK_INPUT(std::isfinite(std[c]) && std[c] > 0, OptionError,
                         "OnnxModelDescription.std[", c, "] must be > 0, got ", std[c]);
  }
  GAITLENS_CHECK_INPUT(output_kind == OnnxOutputKind::kHeatmap ||
                           output_kind == OnnxOutputKind::kSimcc,
                       OptionError, "OnnxModelDescription.output_kind is not a valid kind");
  GAITLENS_CHECK_INPUT(std::isfinite(simcc_split_ratio) && simcc_split_ratio > 0 &&
                           simcc_split_ratio <= 64,
                       OptionError, "OnnxModelDescription.simcc_split_ratio must be in (0, 64], got ",
                       simcc_split_ratio);
  GAITLENS_CHECK_INPUT(output_kind != OnnxOutputKind::kSimcc || output_name.empty(), OptionError,
                       "OnnxModelDescription.output_name must be empty for SimCC models (their "
                       "outputs are \"simcc_x\" and \"simcc_y\", or the first two), got '",
                       output_name, "'");
  GAITLENS_CHECK_INPUT(crop_padding >= 1 && crop_padding <= 4, OptionError,
                       "OnnxModelDescription.crop_padding must be in [1, 4], got ", crop_padding);
}

// Reading the description JSON --------------------------------------------------------------------

namespace {

// "an array", "a string", "null", ... for messages.
std::string TypeName(const Json& value) {
  const std::string name = value.type_name();
  if (value.is_null()) return name;
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

class DescriptionReader {
 public:
  DescriptionReader(const std::string& path, const Json& root) : path_(path), root_(root) {}

  const Json* Find(const char* key, bool required) const {
    const auto it = root_.find(key);
    if (it == root_.end()) {
      GAITLENS_CHECK_INPUT(!required, FormatError, path_, ": missing required field \"", key,
                           "\"");
      return nullptr;
    }
    return &*it;
  }

  std::string String(const char* key, bool required, std::string fallback) const {
    const Json* value = Find(key, required);
    if (value == nullptr) return fallback;
    GAITLENS_CHECK_INPUT(value->is_string(), FormatError, path_, ": field \"", key, "\" is ",
                         TypeName(*value), ", expected a string");
    return value->get<std::string>();
  }

  int PositiveInt(const char* key) const {
    const Json& value = *Find(key, true);
    GAITLENS_CHECK_INPUT(value.is_number(), FormatError, path_, ": field \"", key, "\" is ",
                         TypeName(value), ", expected a number of pixels");
    const double number = value.get<double>();
    GAITLENS_CHECK_INPUT(std::isfinite(number) && number == std::floor(number) && number >= 1 &&
                             number <= kMaxInputSide,
                         FormatError, path_, ": field \"", key, "\" is ", number,
                         ", expected a whole number of pixels in [1, ", kMaxInputSide, "]");
    return static_cast<int>(number);
  }

  double Number(const char* key, double fallback) const {
    const Json* value = Find(key, false);
    if (value == nullptr) return fallback;
    GAITLENS_CHECK_INPUT(value->is_number(), FormatError, path_, ": field \"", key, "\" is ",
                         TypeName(*value), ", expected a number");
    return value->get<double>();
  }

  bool Bool(const char* key, bool fallback) const {
    const Json* value = Find(key, false);
    if (value == nullptr) return fallback;
    GAITLENS_CHECK_INPUT(value->is_boolean(), FormatError, path_, ": field \"", key, "\" is ",
                         TypeName(*value), ", expected true or false");
    return value->get<bool>();
  }

  std::array<double, 3> Triple(const char* key, const std::array<double, 3>& fallback) const {
    const Json* value = Find(key, false);
    if (value == nullptr) return fallback;
    GAITLENS_CHECK_INPUT(value->is_array() && value->size() == 3 &&
                             std::all_of(value->begin(), value->end(),
                                         [](const Json& v) { return v.is_number(); }),
                         FormatError, path_, ": field \"", key,
                         "\" must be an array of 3 numbers (one per channel)");
    return {(*value)[0].get<double>(), (*value)[1].get<double>(), (*value)[2].get<double>()};
  }

 private:
  const std::string& path_;
  const Json& root_;
};

}  // namespace

OnnxModelDescription ReadOnnxModelDescription(const std::string& json_path) {
  std::error_code ec;
  GAITLENS_CHECK_INPUT(fs::is_regular_file(json_path, ec), InputError, json_path,
                       ": no such model description file");
  std::ifstream in(json_path, std::ios::binary);
  GAITLENS_CHECK_INPUT(in, InputError, json_path, ": cannot open the model description");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  GAITLENS_CHECK_INPUT(!in.bad(), InputError, json_path, ": cannot read the model description");

  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    GAITLENS_THROW(FormatError, json_path, ": not valid JSON (", e.what(), ")");
  }
  GAITLENS_CHECK_INPUT(root.is_object(), FormatError, json_path, ": the document is ",
                       TypeName(root), ", expected an object describing the model");

  static const char* const kKnown[] = {
      "model_path", "input_width",       "input_height", "rgb",          "mean",        "std",
      "output_kind", "layout",           "simcc_split_ratio", "output_name", "crop_padding"};
  for (const auto& item : root.items()) {
    const bool known = std::any_of(std::begin(kKnown), std::end(kKnown),
                                   [&](const char* k) { return item.key() == k; });
    if (!known) {
      std::string valid;
      for (const char* k : kKnown) valid += (valid.empty() ? "" : ", ") + std::string(k);
      GAITLENS_THROW(FormatError, json_path, ": unknown field \"", item.key(), "\" (valid: ",
                     valid, ")");
    }
  }

  const DescriptionReader reader(json_path, root);
  OnnxModelDescription d;
  const std::string model = reader.String("model_path", true, "");
  GAITLENS_CHECK_INPUT(!model.empty(), FormatError, json_path,
                       ": field \"model_path\" is empty, expected the ONNX file");
  fs::path model_path(model);
  if (model_path.is_relative()) model_path = fs::path(json_path).parent_path() / model_path;
  d.model_path = model_path.lexically_normal().string();
  d.input_width = reader.PositiveInt("input_width");
  d.input_height = reader.PositiveInt("input_height");
  d.rgb = reader.Bool("rgb", d.rgb);
  d.mean = reader.Triple("mean", d.mean);
  d.std = reader.Triple("std", d.std);
  const std::string kind = reader.String("output_kind", true, "");
  try {
    d.output_kind = OnnxOutputKindFromString(kind);
  } catch (const OptionError& e) {
    GAITLENS_THROW(FormatError, json_path, ": field \"output_kind\": ", e.what());
  }
  const std::string layout = reader.String("layout", true, "");
  try {
    d.layout = KeypointLayoutFromString(layout);
  } catch (const OptionError& e) {
    GAITLENS_THROW(FormatError, json_path, ": field \"layout\": ", e.what());
  }
  d.simcc_split_ratio = reader.Number("simcc_split_ratio", d.simcc_split_ratio);
  d.output_name = reader.String("output_name", false, "");
  d.crop_padding = reader.Number("crop_padding", d.crop_padding);
  try {
    d.Check();
  } catch (const OptionError& e) {
    GAITLENS_THROW(FormatError, json_path, ": ", e.what());
  }
  return d;
}

// The detector ------------------------------------------------------------------------------------

namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "none" : joined;
}

std::string ShapeOf(const cv::Mat& mat) {
  std::string shape = "[";
  for (int i = 0; i < mat.dims; ++i) shape += (i ? ", " : "") + std::to_string(mat.size[i]);
  return shape + "]";
}

class OnnxDetector final : public PoseDetector {
 public:
  explicit OnnxDetector(const OnnxModelDescription& description) : d_(description) {
    d_.Check();
    const std::string& path = d_.model_path;
    std::error_code ec;
    GAITLENS_CHECK_INPUT(fs::is_regular_file(path, ec), InputError, path,
                         ": no such ONNX model file");
    name_ = fs::path(path).stem().string();
    num_keypoints_ = GetLayoutInfo(d_.layout).num_keypoints();
    try {
      net_ = cv::dnn::readNetFromONNX(path);
    } catch (const cv::Exception& e) {
      GAITLENS_THROW(FormatError, path, ": OpenCV cannot load this ONNX model (", e.what(), ")");
    }
    GAITLENS_CHECK_INPUT(!net_.empty(), FormatError, path,
                         ": OpenCV cannot load this ONNX model (empty network)");
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    ChooseOutputs();
    // A first run on a black input checks the outputs against the description.
    try {
      Run(cv::Mat::zeros(d_.input_height, d_.input_width, CV_8UC3), /*first_run=*/true);
    } catch (const cv::Exception& e) {
      GAITLENS_THROW(FormatError, path, ": OpenCV cannot run this model on a ", d_.input_width,
                     "x", d_.input_height, " input (", e.what(), ")");
    }
  }

  KeypointLayout layout() const override { return d_.layout; }
  std::string name() const override { return name_; }
  void Reset() override { have_previous_ = false; }

  void Detect(const Image& frame, std::vector<Keypoint>* keypoints) override {
    cv::Mat bgr = internal::MatFromImage(frame);
    if (bgr.channels() == 1) {
      cv::cvtColor(bgr, gray_to_bgr_, cv::COLOR_GRAY2BGR);
      bgr = gray_to_bgr_;
    }
    internal::TopDownCrop crop;
    const bool tracked =
        have_previous_ && internal::CropAroundKeypoints(previous_, kCropMinConfidence,
                                                        d_.crop_padding, frame.width(),
                                                        frame.height(), d_.input_width,
                                                        d_.input_height, &crop);
    if (!tracked) {
      crop = internal::WholeFrameCrop(frame.width(), frame.height(), d_.input_width,
                                      d_.input_height);
    }
    const double sx = d_.input_width / crop.width, sy = d_.input_height / crop.height;
    const cv::Matx23d transform(sx, 0, -crop.left() * sx, 0, sy, -crop.top() * sy);
    cv::warpAffine(bgr, warped_, transform, cv::Size(d_.input_width, d_.input_height),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    *keypoints = Run(warped_, /*first_run=*/false);
    internal::MapInputToFrame(crop, d_.input_width, d_.input_height, keypoints);
    previous_ = *keypoints;
    have_previous_ = true;
  }

 private:
  // Picks the outputs to read (output_names_), by name or position.
  void ChooseOutputs() {
    std::vector<std::string> available;
    for (const cv::String& name : net_.getUnconnectedOutLayersNames()) available.push_back(name);
    auto has = [&](const std::string& name) {
      return std::find(available.begin(), available.end(), name) != available.end() ||
             net_.getLayerId(name) >= 0;
    };
    if (d_.output_kind == OnnxOutputKind::kHeatmap) {
      if (d_.output_name.empty()) {
        GAITLENS_CHECK_INPUT(!available.empty(), FormatError, d_.model_path,
                             ": the model has no outputs");
        output_names_ = {available.front()};
      } else {
        GAITLENS_CHECK_INPUT(has(d_.output_name), FormatError, d_.model_path,
                             ": no output named '", d_.output_name,
                             "' (output_name); the model's outputs: ", Join(available));
        output_names_ = {d_.output_name};
      }
      return;
    }
    if (has("simcc_x") && has("simcc_y")) {
      output_names_ = {"simcc_x", "simcc_y"};
      return;
    }
    GAITLENS_CHECK_INPUT(available.size() >= 2, FormatError, d_.model_path,
                         ": a SimCC model needs outputs simcc_x and simcc_y (or two outputs); the "
                         "model's outputs: ", Join(available));
    output_names_ = {available[0], available[1]};
    simcc_by_length_ = true;
  }

  int ExpectedBins(int input_side) const {
    return static_cast<int>(std::lround(input_side * d_.simcc_split_ratio));
  }

  // Keypoint count and length of a SimCC output, [1, K, L] or [K, L].
  void SimccShape(const cv::Mat& out, const std::string& name, int* k, int* bins) const {
    const bool ok = (out.dims == 3 && out.size[0] == 1) || out.dims == 2;
    GAITLENS_CHECK_INPUT(ok, FormatError, d_.model_path, ": SimCC output '", name, "' has shape ",
                         ShapeOf(out), ", expected [1, K, bins]");
    *k = out.size[out.dims - 2];
    *bins = out.size[out.dims - 1];
  }

  void CheckKeypointCount(int k, const std::string& output) const {
    GAITLENS_CHECK_INPUT(k == num_keypoints_, FormatError, d_.model_path, ": output '", output,
                         "' has ", k, " keypoints but layout ", ToString(d_.layout), " has ",
                         num_keypoints_);
  }

  std::vector<Keypoint> Run(const cv::Mat& bgr_input, bool first_run) {
    if (d_.rgb) {
      cv::cvtColor(bgr_input, colour_, cv::COLOR_BGR2RGB);
    } else {
      bgr_input.copyTo(colour_);
    }
    cv::dnn::blobFromImage(colour_, blob_, 1.0, cv::Size(), cv::Scalar(), false, false, CV_32F);
    const int plane = d_.input_width * d_.input_height;
    for (int c = 0; c < 3; ++c) {
      cv::Mat channel(d_.input_height, d_.input_width, CV_32F, blob_.ptr<float>() + c * plane);
      channel.convertTo(channel, CV_32F, 1.0 / d_.std[c], -d_.mean[c] / d_.std[c]);
    }
    net_.setInput(blob_);
    std::vector<cv::Mat> outputs;
    std::vector<cv::String> names(output_names_.begin(), output_names_.end());
    net_.forward(outputs, names);

    if (d_.output_kind == OnnxOutputKind::kHeatmap) {
      const cv::Mat& out = outputs[0];
      GAITLENS_CHECK_INPUT((out.dims == 4 && out.size[0] == 1) || out.dims == 3, FormatError,
                           d_.model_path, ": heatmap output '", output_names_[0], "' has shape ",
                           ShapeOf(out), ", expected [1, K, H, W]");
      const int k = out.size[out.dims - 3], h = out.size[out.dims - 2], w = out.size[out.dims - 1];
      CheckKeypointCount(k, output_names_[0]);
      GAITLENS_CHECK_INPUT(out.type() == CV_32F && out.isContinuous(), FormatError, d_.model_path,
                           ": heatmap output '", output_names_[0], "' is not float32");
      return internal::DecodeHeatmaps(out.ptr<float>(), k, h, w, d_.input_width,
                                      d_.input_height);
    }

    int k[2], bins[2];
    for (int i = 0; i < 2; ++i) {
      SimccShape(outputs[i], output_names_[i], &k[i], &bins[i]);
      GAITLENS_CHECK_INPUT(outputs[i].type() == CV_32F && outputs[i].isContinuous(), FormatError,
                           d_.model_path, ": SimCC output '", output_names_[i],
                           "' is not float32");
    }
    const int want_x = ExpectedBins(d_.input_width), want_y = ExpectedBins(d_.input_height);
    if (first_run && simcc_by_length_ && want_x != want_y && bins[0] == want_y &&
        bins[1] == want_x) {
      // Unnamed outputs in the order y, x: tell them apart by length from now on.
      std::swap(output_names_[0], output_names_[1]);
      std::swap(outputs[0], outputs[1]);
      std::swap(k[0], k[1]);
      std::swap(bins[0], bins[1]);
    }
    for (int i = 0; i < 2; ++i) CheckKeypointCount(k[i], output_names_[i]);
    GAITLENS_CHECK_INPUT(bins[0] == want_x, FormatError, d_.model_path, ": SimCC output '",
                         output_names_[0], "' has ", bins[0],
                         " bins, expected input_width x simcc_split_ratio = ", want_x);
    GAITLENS_CHECK_INPUT(bins[1] == want_y, FormatError, d_.model_path, ": SimCC output '",
                         output_names_[1], "' has ", bins[1],
                         " bins, expected input_height x simcc_split_ratio = ", want_y);
    return internal::DecodeSimcc(outputs[0].ptr<float>(), bins[0], outputs[1].ptr<float>(),
                                 bins[1], k[0], d_.simcc_split_ratio);
  }

  OnnxModelDescription d_;
  std::string name_;
  int num_keypoints_ = 0;
  cv::dnn::Net net_;
  std::vector<std::string> output_names_;
  bool simcc_by_length_ = false;
  cv::Mat gray_to_bgr_, warped_, colour_, blob_;
  std::vector<Keypoint> previous_;
  bool have_previous_ = false;
};

}  // namespace

std::unique_ptr<PoseDetector> CreateOnnxDetector(const OnnxModelDescription& description) {
  return std::make_unique<OnnxDetector>(description);
}

}  // namespace gaitlens
