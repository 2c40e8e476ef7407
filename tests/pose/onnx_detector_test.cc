// "Bring your own model" ONNX detectors: the heatmap and SimCC decoders on hand-made arrays, the
// crop geometry, both model kinds end to end on tiny ONNX models with known constant outputs
// (written by make_tiny_onnx.py), and the errors of the description JSON.
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"
#include "gaitlens/pose/onnx_detector.h"
#include "pose/onnx_decoders.h"
#include "test_util.h"

namespace gaitlens {
namespace {

using Json = nlohmann::json;
using internal::TopDownCrop;

// Runs `fn`, expects an exception of type E whose message contains every one of `parts`.
template <typename E>
void ExpectThrowWith(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

// Decoders ----------------------------------------------------------------------------------------

TEST(OnnxDecoders, HeatmapArgmaxWithQuarterShiftTowardsHigherNeighbours) {
  const int h = 5, w = 6;
  std::vector<float> map(2 * h * w, 0.0f);
  auto at = [&](int k, int x, int y) -> float& { return map[(k * h + y) * w + x]; };
  // Keypoint 0: peak at (2, 3), right neighbour higher than the left, lower one higher than the
  // upper one -> (2.25, 3.25).
  at(0, 2, 3) = 0.8f;
  at(0, 3, 3) = 0.5f;
  at(0, 1, 3) = 0.1f;
  at(0, 2, 4) = 0.6f;
  at(0, 2, 2) = 0.3f;
  // Keypoint 1: peak at (4, 1), left higher -> x 3.75; equal vertical neighbours -> y 1.
  at(1, 4, 1) = 0.7f;
  at(1, 3, 1) = 0.4f;
  at(1, 5, 1) = 0.2f;
  at(1, 4, 0) = 0.3f;
  at(1, 4, 2) = 0.3f;
  // Network input 24 x 20: 4 pixels per cell.
  const std::vector<Keypoint> points = internal::DecodeHeatmaps(map.data(), 2, h, w, 24, 20);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].x, 2.25 * 4);
  EXPECT_DOUBLE_EQ(points[0].y, 3.25 * 4);
  EXPECT_NEAR(points[0].confidence, 0.8, 1e-7);
  EXPECT_DOUBLE_EQ(points[1].x, 3.75 * 4);
  EXPECT_DOUBLE_EQ(points[1].y, 1.0 * 4);
  EXPECT_NEAR(points[1].confidence, 0.7, 1e-7);
}

TEST(OnnxDecoders, HeatmapNoShiftAtTheBorderAndNonSquareScale) {
  const int h = 4, w = 3;
  std::vector<float> map(h * w, 0.0f);
  map[0 * w + 0] = 0.9f;  // corner: no neighbour on one side of either axis
  map[0 * w + 1] = 0.8f;
  map[1 * w + 0] = 0.8f;
  // Input 12 x 32: 4 px per column, 8 px per row.
  const std::vector<Keypoint> points = internal::DecodeHeatmaps(map.data(), 1, h, w, 12, 32);
  EXPECT_DOUBLE_EQ(points[0].x, 0.0);
  EXPECT_DOUBLE_EQ(points[0].y, 0.0);
  map.assign(h * w, 0.0f);
  map[2 * w + 2] = 0.5f;  // last column: x not shifted; rows 1 and 3: lower one higher
  map[3 * w + 2] = 0.4f;
  map[1 * w + 2] = 0.1f;
  const std::vector<Keypoint> edge = internal::DecodeHeatmaps(map.data(), 1, h, w, 12, 32);
  EXPECT_DOUBLE_EQ(edge[0].x, 2.0 * 4);
  EXPECT_DOUBLE_EQ(edge[0].y, 2.25 * 8);
}

TEST(OnnxDecoders, HeatmapConfidenceClampsAndMissingPoints) {
  const int h = 3, w = 3;
  std::vector<float> map(3 * h * w, -1.0f);
  map[0 * 9 + 4] = 3.5f;  // unnormalised: clamps to 1
  // Keypoint 1: all negative -> missing. Keypoint 2: NaN everywhere -> missing.
  for (int i = 0; i < 9; ++i) map[2 * 9 + i] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Keypoint> points = internal::DecodeHeatmaps(map.data(), 3, h, w, 30, 30);
  EXPECT_DOUBLE_EQ(points[0].confidence, 1.0);
  EXPECT_DOUBLE_EQ(points[0].x, 10.0);
  EXPECT_DOUBLE_EQ(points[0].y, 10.0);
  for (int k : {1, 2}) {
    EXPECT_EQ(points[k].confidence, 0.0) << k;
    EXPECT_EQ(points[k].x, 0.0) << k;
    EXPECT_EQ(points[k].y, 0.0) << k;
  }
}

TEST(OnnxDecoders, SimccArgmaxOverSplitRatioAndMinimumScore) {
  const int k = 3, xb = 10, yb = 8;
  std::vector<float> x(k * xb, 0.0f), y(k * yb, 0.0f);
  x[0 * xb + 7] = 0.9f;
  y[0 * yb + 5] = 0.6f;
  x[1 * xb + 1] = 7.0f;  // logits above 1: clamps
  y[1 * yb + 0] = 4.0f;
  for (int i = 0; i < xb; ++i) x[2 * xb + i] = -2.0f;  // x scores all negative: missing
  y[2 * yb + 3] = 0.9f;
  const std::vector<Keypoint> points = internal::DecodeSimcc(x.data(), xb, y.data(), yb, k, 2.0);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_DOUBLE_EQ(points[0].x, 3.5);
  EXPECT_DOUBLE_EQ(points[0].y, 2.5);
  EXPECT_NEAR(points[0].confidence, 0.6, 1e-7);
  EXPECT_DOUBLE_EQ(points[1].x, 0.5);
  EXPECT_DOUBLE_EQ(points[1].y, 0.0);
  EXPECT_DOUBLE_EQ(points[1].confidence, 1.0);
  EXPECT_EQ(points[2].confidence, 0.0);
  EXPECT_EQ(points[2].x, 0.0);
  EXPECT_EQ(points[2].y, 0.0);
}

TEST(OnnxDecoders, CropGeometry) {
  // Landscape frame into a portrait network: letterboxed top and bottom.
  const TopDownCrop whole = internal::WholeFrameCrop(640, 480, 48, 64);
  EXPECT_DOUBLE_EQ(whole.centre_x, 320);
  EXPECT_DOUBLE_EQ(whole.centre_y, 240);
  EXPECT_DOUBLE_EQ(whole.width, 640);
  EXPECT_NEAR(whole.height, 640 / 0.75, 1e-9);
  // Portrait frame into a landscape network: pillarboxed.
  const TopDownCrop tall = internal::WholeFrameCrop(100, 400, 200, 100);
  EXPECT_DOUBLE_EQ(tall.width, 800);
  EXPECT_DOUBLE_EQ(tall.height, 400);

  std::vector<Keypoint> points = {{100, 200, 0.9}, {140, 300, 0.5}, {900, 50, 0.1}, {0, 0, 0}};
  TopDownCrop crop;
  ASSERT_TRUE(internal::CropAroundKeypoints(points, 0.2, 1.25, 640, 480, 48, 64, &crop));
  // Box x 100..140, y 200..300 -> padded 50 x 125 -> portrait 0.75: 93.75 x 125.
  EXPECT_DOUBLE_EQ(crop.centre_x, 120);
  EXPECT_DOUBLE_EQ(crop.centre_y, 250);
  EXPECT_DOUBLE_EQ(crop.width, 93.75);
  EXPECT_DOUBLE_EQ(crop.height, 125);
  // A confident point outside the frame is clamped to it.
  points[2].confidence = 0.9;  // (900, 50) -> (640, 50)
  ASSERT_TRUE(internal::CropAroundKeypoints(points, 0.2, 1.0, 640, 480, 48, 64, &crop));
  EXPECT_DOUBLE_EQ(crop.centre_x, 370);
  EXPECT_DOUBLE_EQ(crop.width, 540);
  EXPECT_DOUBLE_EQ(crop.height, 720);
  // One confident point, or a tiny box: lost.
  EXPECT_FALSE(internal::CropAroundKeypoints({{100, 200, 0.9}, {300, 300, 0.1}}, 0.2, 1.25, 640,
                                             480, 48, 64, &crop));
  EXPECT_FALSE(internal::CropAroundKeypoints({{100, 200, 0.9}, {103, 205, 0.9}}, 0.2, 1.25, 640,
                                             480, 48, 64, &crop));
}

// Tiny models -------------------------------------------------------------------------------------

// Writes a tiny ONNX model with constant outputs (see make_tiny_onnx.py); "" on failure.
std::string MakeTinyOnnx(const test::TemporaryFolder& folder, const std::string& name,
                         const Json& outputs, int input_height = 64, int input_width = 48) {
  const std::string spec_path = folder.File(name + ".spec.json");
  const std::string model_path = folder.File(name + ".onnx");
  test::WriteFile(spec_path, Json{{"input_height", input_height},
                                  {"input_width", input_width},
                                  {"outputs", outputs}}
                                 .dump());
  const std::string command = "/usr/bin/python3 " + std::string(GAITLENS_SOURCE_DIR) +
                              "/tests/pose/make_tiny_onnx.py '" + spec_path + "' '" + model_path +
                              "'";
  const int status = std::system(command.c_str());
  if (status != 0) {
    ADD_FAILURE() << "make_tiny_onnx.py failed (" << status << "): " << command;
    return "";
  }
  return model_path;
}

Json Output(const std::string& name, const std::vector<int>& shape,
            const std::vector<float>& values) {
  return Json{{"name", name}, {"shape", shape}, {"values", values}};
}

// A peak of one keypoint's heatmap at cell (x, y); the neighbour on side dx (and dy) of it is the
// higher one (0 = both neighbours equal, no shift).
struct Peak {
  int x, y;
  float value;
  int dx, dy;
};

constexpr int kInW = 48, kInH = 64;  // network input of the tiny models
constexpr int kFrameW = 640, kFrameH = 480;

std::vector<float> HeatmapValues(const std::vector<Peak>& peaks, int h, int w) {
  std::vector<float> values(peaks.size() * h * w, 0.0f);
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const Peak& p = peaks[k];
    auto at = [&](int x, int y) -> float& { return values[(k * h + y) * w + x]; };
    at(p.x, p.y) = p.value;
    const float high = p.value / 2, low = p.value / 4;
    at(p.x - 1, p.y) = p.dx < 0 ? high : low;
    at(p.x + 1, p.y) = p.dx > 0 ? high : low;
    at(p.x, p.y - 1) = p.dy < 0 ? high : low;
    at(p.x, p.y + 1) = p.dy > 0 ? high : low;
  }
  return values;
}

cv::Mat TestFrame(int width, int height) {
  cv::Mat frame(height, width, CV_8UC3);
  cv::randu(frame, 0, 255);
  return frame;
}

// Expected crop when tracking: the box around confident points (clamped to the frame), x1.25,
// widened or heightened to 48:64.
TopDownCrop ExpectedTrackingCrop(const std::vector<Keypoint>& previous) {
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const Keypoint& p : previous) {
    if (p.confidence < 0.2) continue;
    const double x = std::min(std::max(p.x, 0.0), double(kFrameW));
    const double y = std::min(std::max(p.y, 0.0), double(kFrameH));
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  TopDownCrop crop{(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 1.25, (y1 - y0) * 1.25};
  if (crop.width / crop.height > 0.75) {
    crop.height = crop.width / 0.75;
  } else {
    crop.width = crop.height * 0.75;
  }
  return crop;
}

// Checks detected frame points against network-input points mapped through `crop`.
void ExpectMapped(const std::vector<Keypoint>& got, const std::vector<Keypoint>& input_points,
                  const TopDownCrop& crop, const char* what) {
  ASSERT_EQ(got.size(), input_points.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    const Keypoint& in = input_points[k];
    if (in.confidence == 0) {
      EXPECT_EQ(got[k].confidence, 0.0) << what << " keypoint " << k;
      EXPECT_EQ(got[k].x, 0.0) << what << " keypoint " << k;
      continue;
    }
    const double x = crop.centre_x - crop.width / 2 + in.x * crop.width / kInW;
    const double y = crop.centre_y - crop.height / 2 + in.y * crop.height / kInH;
    EXPECT_NEAR(got[k].x, x, 0.01) << what << " keypoint " << k;
    EXPECT_NEAR(got[k].y, y, 0.01) << what << " keypoint " << k;
    EXPECT_NEAR(got[k].confidence, in.confidence, 1e-6) << what << " keypoint " << k;
  }
}

TEST(OnnxDetector, HeatmapModelEndToEndLetterboxThenTracking) {
  test::TemporaryFolder folder;
  // 17 COCO heatmaps of 16 x 12 cells (4 input pixels per cell). Letterboxed 640 x 480 frame:
  // cell rows 4..12 are inside the frame; row 2 is above it.
  const std::vector<Peak> peaks = {
      {5, 4, 0.9f, 1, 0},   {6, 4, 0.9f, -1, 1}, {4, 4, 0.9f, 0, -1}, {7, 5, 0.1f, 1, 1},
      {3, 5, 2.0f, 0, 0},   {6, 6, 0.0f, 0, 0},  {4, 6, 0.8f, 1, 1},  {8, 6, 0.8f, -1, -1},
      {3, 8, 0.7f, 1, 0},   {9, 8, 0.7f, 0, 1},  {2, 9, 0.6f, -1, 0}, {5, 9, 0.95f, 1, -1},
      {7, 9, 0.95f, 0, 0},  {4, 11, 0.5f, 1, 1}, {8, 11, 0.5f, 0, 0}, {5, 12, 0.3f, -1, 1},
      {10, 2, 0.4f, 1, 0},  // confident but outside the frame on the first pass
  };
  const std::string model = MakeTinyOnnx(
      folder, "tiny_heatmap", Json::array({Output("heatmaps", {1, 17, 16, 12},
                                                  HeatmapValues(peaks, 16, 12))}));
  ASSERT_FALSE(model.empty());
  test::WriteFile(folder.File("model.json"),
                  Json{{"model_path", "tiny_heatmap.onnx"}, {"input_width", kInW},
                       {"input_height", kInH}, {"output_kind", "heatmap"}, {"layout", "coco17"},
                       {"rgb", false}, {"mean", {0, 0, 0}}, {"std", {255, 255, 255}}}
                      .dump(2));
  const OnnxModelDescription description = ReadOnnxModelDescription(folder.File("model.json"));
  auto detector = CreateOnnxDetector(description);
  EXPECT_EQ(detector->layout(), KeypointLayout::kCoco17);
  EXPECT_EQ(detector->name(), "tiny_heatmap");

  // What the decoder must find, in network input pixels.
  std::vector<Keypoint> expected_input(peaks.size());
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const Peak& p = peaks[k];
    if (p.value <= 0) continue;
    expected_input[k] = {(p.x + 0.25 * p.dx) * 4, (p.y + 0.25 * p.dy) * 4,
                         std::min(1.0, double(p.value))};
  }

  const cv::Mat frame = TestFrame(kFrameW, kFrameH);
  const Image image = internal::ImageFromMat(frame);
  std::vector<Keypoint> first, second, again;
  detector->Detect(image, &first);
  // No previous frame: the whole frame, letterboxed into 48:64 (640 x 853.33 centred).
  const TopDownCrop letterbox{320, 240, 640, 640 / 0.75};
  ExpectMapped(first, expected_input, letterbox, "first frame");
  EXPECT_LT(first[16].y, 0);  // the point above the frame

  detector->Detect(image, &second);
  const TopDownCrop tracking = ExpectedTrackingCrop(first);
  EXPECT_LT(tracking.width, 640);  // really a tighter crop than the letterbox
  ExpectMapped(second, expected_input, tracking, "second frame");

  // Reset forgets the runner: back to the letterbox; a grey frame works too.
  detector->Reset();
  cv::Mat grey;
  cv::extractChannel(frame, grey, 0);
  detector->Detect(internal::ImageFromMat(grey), &again);
  ExpectMapped(again, expected_input, letterbox, "after Reset");
}

// SimCC bins of one keypoint: x bin, y bin, score of each.
struct SimccPeak {
  int bx, by;
  float sx, sy;
};

std::vector<Keypoint> SimccExpectedInput(const std::vector<SimccPeak>& peaks) {
  std::vector<Keypoint> points(peaks.size());
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    const double score = std::min(peaks[k].sx, peaks[k].sy);
    if (score <= 0) continue;
    points[k] = {peaks[k].bx / 2.0, peaks[k].by / 2.0, std::min(1.0, score)};
  }
  return points;
}

std::vector<SimccPeak> HalpePeaks() {
  std::vector<SimccPeak> peaks;
  for (int k = 0; k < 26; ++k) {
    // x bins spread over 10..85 (input x 5..42.5), y bins over 40..115 (rows inside the frame).
    peaks.push_back({10 + (k * 29) % 76, 40 + (k * 37) % 76, 0.5f + 0.02f * k, 0.9f});
  }
  peaks[3].sy = 0.1f;  // not confident: does not steer the crop
  peaks[7] = {50, 60, 6.0f, 9.0f};  // logits: clamp to 1
  peaks[20].sx = -1.0f;  // missing
  return peaks;
}

Json SimccOutputs(const std::vector<SimccPeak>& peaks, const std::string& x_name,
                  const std::string& y_name, int x_bins = 96, int y_bins = 128) {
  const int k = static_cast<int>(peaks.size());
  std::vector<float> x(k * x_bins, -3.0f), y(k * y_bins, -3.0f);
  for (int i = 0; i < k; ++i) {
    x[i * x_bins + peaks[i].bx] = peaks[i].sx;
    y[i * y_bins + peaks[i].by] = peaks[i].sy;
    x[i * x_bins + peaks[i].bx + 1] = peaks[i].sx - 0.01f;  // a runner-up bin
  }
  // y first, so that the detector must find them by name (or length).
  return Json::array({Output(y_name, {1, k, y_bins}, y), Output(x_name, {1, k, x_bins}, x)});
}

void RunSimccModel(const std::string& model_path) {
  OnnxModelDescription description;
  description.model_path = model_path;
  description.input_width = kInW;
  description.input_height = kInH;
  description.output_kind = OnnxOutputKind::kSimcc;
  description.layout = KeypointLayout::kHalpe26;
  description.simcc_split_ratio = 2.0;
  auto detector = CreateOnnxDetector(description);
  EXPECT_EQ(detector->layout(), KeypointLayout::kHalpe26);
  const std::vector<Keypoint> expected_input = SimccExpectedInput(HalpePeaks());
  const Image image = internal::ImageFromMat(TestFrame(kFrameW, kFrameH));
  std::vector<Keypoint> first, second;
  detector->Detect(image, &first);
  ExpectMapped(first, expected_input, TopDownCrop{320, 240, 640, 640 / 0.75}, "first frame");
  detector->Detect(image, &second);
  const TopDownCrop tracking = ExpectedTrackingCrop(first);
  EXPECT_LT(tracking.width, 640);
  ExpectMapped(second, expected_input, tracking, "second frame");
}

TEST(OnnxDetector, SimccModelEndToEndOutputsByName) {
  test::TemporaryFolder folder;
  const std::string model =
      MakeTinyOnnx(folder, "tiny_simcc", SimccOutputs(HalpePeaks(), "simcc_x", "simcc_y"));
  ASSERT_FALSE(model.empty());
  RunSimccModel(model);
}

TEST(OnnxDetector, SimccModelEndToEndUnnamedOutputsToldApartByLength) {
  test::TemporaryFolder folder;
  const std::string model =
      MakeTinyOnnx(folder, "tiny_simcc_unnamed", SimccOutputs(HalpePeaks(), "out_b", "out_a"));
  ASSERT_FALSE(model.empty());
  RunSimccModel(model);
}

// Model errors ------------------------------------------------------------------------------------

TEST(OnnxDetector, ModelErrors) {
  test::TemporaryFolder folder;
  std::vector<Peak> peaks(17, Peak{5, 5, 0.9f, 0, 0});
  const std::string heatmap17 = MakeTinyOnnx(
      folder, "coco_heatmap", Json::array({Output("heatmaps", {1, 17, 16, 12},
                                                  HeatmapValues(peaks, 16, 12))}));
  ASSERT_FALSE(heatmap17.empty());
  OnnxModelDescription d;
  d.model_path = heatmap17;
  d.input_width = kInW;
  d.input_height = kInH;

  // Keypoint count of the output vs the layout.
  OnnxModelDescription halpe = d;
  halpe.layout = KeypointLayout::kHalpe26;
  ExpectThrowWith<FormatError>([&] { CreateOnnxDetector(halpe); },
                               {heatmap17, "17 keypoints", "halpe26", "26"});
  // A named output that does not exist.
  OnnxModelDescription named = d;
  named.output_name = "simcc_x";
  ExpectThrowWith<FormatError>([&] { CreateOnnxDetector(named); },
                               {heatmap17, "simcc_x", "heatmaps"});
  named.output_name = "heatmaps";
  EXPECT_NO_THROW(CreateOnnxDetector(named));
  // A heatmap model described as SimCC.
  OnnxModelDescription simcc = d;
  simcc.output_kind = OnnxOutputKind::kSimcc;
  ExpectThrowWith<FormatError>([&] { CreateOnnxDetector(simcc); }, {heatmap17, "SimCC"});
  // SimCC bins that do not match input size x split ratio.
  const std::string wide = MakeTinyOnnx(
      folder, "wide_simcc", SimccOutputs(HalpePeaks(), "simcc_x", "simcc_y", 192, 256));
  ASSERT_FALSE(wide.empty());
  OnnxModelDescription ratio = d;
  ratio.model_path = wide;
  ratio.output_kind = OnnxOutputKind::kSimcc;
  ratio.layout = KeypointLayout::kHalpe26;
  ExpectThrowWith<FormatError>([&] { CreateOnnxDetector(ratio); },
                               {wide, "192 bins", "simcc_split_ratio", "96"});
  ratio.simcc_split_ratio = 4.0;
  EXPECT_NO_THROW(CreateOnnxDetector(ratio));
  // Missing file, and a file OpenCV cannot load.
  OnnxModelDescription missing = d;
  missing.model_path = folder.File("nope.onnx");
  ExpectThrowWith<InputError>([&] { CreateOnnxDetector(missing); }, {"nope.onnx"});
  test::WriteFile(folder.File("garbage.onnx"), "this is not a protobuf");
  OnnxModelDescription garbage = d;
  garbage.model_path = folder.File("garbage.onnx");
  ExpectThrowWith<FormatError>([&] { CreateOnnxDetector(garbage); }, {"garbage.onnx", "OpenCV"});
}

TEST(OnnxDetector, DescriptionCheck) {
  OnnxModelDescription d;
  d.model_path = "x.onnx";
  EXPECT_NO_THROW(d.Check());
  auto bad = [&](const std::function<void(OnnxModelDescription&)>& edit, const std::string& field) {
    OnnxModelDescription copy = d;
    edit(copy);
    ExpectThrowWith<OptionError>([&] { copy.Check(); }, {field});
  };
  bad([](auto& c) { c.model_path.clear(); }, "model_path");
  bad([](auto& c) { c.input_width = 0; }, "input_width");
  bad([](auto& c) { c.input_height = -3; }, "input_height");
  bad([](auto& c) { c.std[1] = 0; }, "std[1]");
  bad([](auto& c) { c.mean[2] = std::nan(""); }, "mean[2]");
  bad([](auto& c) { c.simcc_split_ratio = 0; }, "simcc_split_ratio");
  bad([](auto& c) { c.crop_padding = 0.5; }, "crop_padding");
  bad([](auto& c) {
    c.output_kind = OnnxOutputKind::kSimcc;
    c.output_name = "logits";
  }, "output_name");
  EXPECT_STREQ(ToString(OnnxOutputKind::kSimcc), "simcc");
  EXPECT_EQ(OnnxOutputKindFromString("heatmap"), OnnxOutputKind::kHeatmap);
  ExpectThrowWith<OptionError>([] { OnnxOutputKindFromString("heatmaps"); },
                               {"heatmaps", "heatmap, simcc"});
}

// Description JSON ----------------------------------------------------------------------------------

Json FullDescription() {
  return Json{{"model_path", "models/rtmpose.onnx"},
              {"input_width", 192},
              {"input_height", 256},
              {"rgb", false},
              {"mean", {1, 2, 3}},
              {"std", {4, 5, 6}},
              {"output_kind", "simcc"},
              {"layout", "halpe26"},
              {"simcc_split_ratio", 2.5},
              {"output_name", ""},
              {"crop_padding", 1.5}};
}

TEST(OnnxDescriptionJson, ReadsEveryFieldAndResolvesTheModelPath) {
  test::TemporaryFolder folder;
  test::WriteFile(folder.File("rtm.json"), FullDescription().dump());
  const OnnxModelDescription d = ReadOnnxModelDescription(folder.File("rtm.json"));
  EXPECT_EQ(d.model_path, folder.path() + "/models/rtmpose.onnx");
  EXPECT_EQ(d.input_width, 192);
  EXPECT_EQ(d.input_height, 256);
  EXPECT_FALSE(d.rgb);
  EXPECT_EQ(d.mean, (std::array<double, 3>{1, 2, 3}));
  EXPECT_EQ(d.std, (std::array<double, 3>{4, 5, 6}));
  EXPECT_EQ(d.output_kind, OnnxOutputKind::kSimcc);
  EXPECT_EQ(d.layout, KeypointLayout::kHalpe26);
  EXPECT_DOUBLE_EQ(d.simcc_split_ratio, 2.5);
  EXPECT_DOUBLE_EQ(d.crop_padding, 1.5);

  // Only the required fields: defaults; an absolute model path stays as it is.
  Json minimal = {{"model_path", "/abs/hrnet.onnx"}, {"input_width", 192}, {"input_height", 256},
                  {"output_kind", "heatmap"}, {"layout", "coco17"}};
  test::WriteFile(folder.File("hrnet.json"), minimal.dump());
  const OnnxModelDescription m = ReadOnnxModelDescription(folder.File("hrnet.json"));
  const OnnxModelDescription defaults;
  EXPECT_EQ(m.model_path, "/abs/hrnet.onnx");
  EXPECT_TRUE(m.rgb);
  EXPECT_EQ(m.mean, defaults.mean);
  EXPECT_EQ(m.std, defaults.std);
  EXPECT_EQ(m.output_kind, OnnxOutputKind::kHeatmap);
  EXPECT_DOUBLE_EQ(m.crop_padding, 1.25);
}

TEST(OnnxDescriptionJson, TypedErrorsNameTheFileAndTheField) {
  test::TemporaryFolder folder;
  const std::string path = folder.File("model.json");
  ExpectThrowWith<InputError>([&] { ReadOnnxModelDescription(path); }, {path});
  auto expect_format_error = [&](const std::string& text, const std::vector<std::string>& parts) {
    test::WriteFile(path, text);
    std::vector<std::string> all = parts;
    all.push_back(path);
    ExpectThrowWith<FormatError>([&] { ReadOnnxModelDescription(path); }, all);
  };
  auto with = [](const std::string& key, const Json& value) {
    Json j = FullDescription();
    j[key] = value;
    return j.dump();
  };
  auto without = [](const std::string& key) {
    Json j = FullDescription();
    j.erase(key);
    return j.dump();
  };
  expect_format_error("{\"model_path\": \"a.onnx\",", {"not valid JSON"});
  expect_format_error("[1, 2]", {"an array"});
  for (const char* key : {"model_path", "input_width", "input_height", "output_kind", "layout"}) {
    SCOPED_TRACE(key);
    expect_format_error(without(key), {"missing required field", key});
  }
  expect_format_error(with("output_kind", "heatmaps"), {"output_kind", "heatmaps", "simcc"});
  expect_format_error(with("layout", "coco-17"), {"layout", "coco-17", "halpe26"});
  expect_format_error(with("input_width", 0), {"input_width", "[1, 4096]"});
  expect_format_error(with("input_height", -256), {"input_height"});
  expect_format_error(with("input_height", 255.5), {"input_height"});
  expect_format_error(with("input_width", "192"), {"input_width", "a string"});
  expect_format_error(with("std", {58.4, 0, 57.4}), {"std[1]"});
  expect_format_error(with("std", {58.4, 57.1}), {"std", "3 numbers"});
  expect_format_error(with("mean", "imagenet"), {"mean"});
  expect_format_error(with("rgb", "yes"), {"rgb", "true or false"});
  expect_format_error(with("crop_padding", 0.9), {"crop_padding"});
  expect_format_error(with("simcc_split_ratio", -2), {"simcc_split_ratio"});
  expect_format_error(with("output_name", "simcc_x"), {"output_name"});
  expect_format_error(with("model_path", ""), {"model_path"});
  expect_format_error(with("input_widht", 192), {"unknown field", "input_widht"});
}

}  // namespace
}  // namespace gaitlens
