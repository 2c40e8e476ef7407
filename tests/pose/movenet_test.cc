// MoveNet through OpenCV DNN with the installed models: the conversion against TF.js reference
// outputs, accuracy against RTMPose keypoints on the real clip, and cadence from our keypoints.
// The models come from `gaitlens models install` (run by `make test` before the suite).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/models.h"
#include "movenet_reference.h"
#include "test_util.h"

namespace gaitlens {
namespace {

constexpr double kPi = 3.14159265358979323846;

class MoveNetModels : public ::testing::TestWithParam<std::string> {};

TEST_P(MoveNetModels, ConversionMatchesTheTfjsReference) {
  const ModelInfo info = ResolveModel(GetParam());  // fails with the install command if missing
  const nlohmann::json reference = test::MoveNetReference(GetParam());
  const int size = reference["input"]["height"];
  ASSERT_EQ(size, info.input_size);
  const int dims[4] = {1, 3, size, size};
  cv::Mat blob(4, dims, CV_32F);
  float* data = blob.ptr<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) data[(c * size + y) * size + x] = test::MoveNetReferenceInput(c, y, x);
    }
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(info.path);
  net.setInput(blob);
  const std::vector<cv::String> names = {"heatmaps", "centers", "regression", "offsets"};
  std::vector<cv::Mat> outputs;
  net.forward(outputs, names);
  for (std::size_t h = 0; h < names.size(); ++h) {
    const nlohmann::json& head = reference["heads"][names[h]];
    const cv::Mat& out = outputs[h];
    ASSERT_EQ(static_cast<std::size_t>(out.total()), static_cast<std::size_t>(
                  head["shape"][1].get<int>() * head["shape"][2].get<int>() * head["shape"][3].get<int>()));
    const float* values = out.ptr<float>();
    const double scale = std::max(std::abs(head["min"].get<double>()), std::abs(head["max"].get<double>()));
    const double tolerance = 1e-4 + 1e-5 * scale;
    double worst = 0;
    for (std::size_t i = 0; i < head["indices"].size(); ++i) {
      const double expected = head["values"][i];
      const double actual = values[head["indices"][i].get<std::size_t>()];
      worst = std::max(worst, std::abs(actual - expected));
    }
    double sum = 0;
    for (std::size_t i = 0; i < out.total(); ++i) sum += values[i];
    EXPECT_LE(worst, tolerance) << names[h];
    EXPECT_NEAR(sum, head["sum"].get<double>(), 1e-3 + 1e-4 * head["sum_abs"].get<double>()) << names[h];
    std::cout << GetParam() << " " << names[h] << ": max |OpenCV - TF.js| over samples " << worst << "\n";
  }
}

// Median distance per joint between our keypoints and RTMPose's on the real clip.
struct Accuracy {
  std::vector<std::pair<std::string, double>> per_joint;
  double median_hips_knees_ankles = 0;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

Accuracy CompareWithRtmpose(const PoseSequence& ours, const PoseSequence& rtmpose) {
  const PoseSequence a = ConvertLayout(ours, KeypointLayout::kCanonical);
  Accuracy accuracy;
  std::vector<double> all;
  for (int k = 0; k < 6; ++k) {  // canonical hips, knees, ankles
    std::vector<double> distances;
    for (int f = 0; f < a.num_frames(); ++f) {
      distances.push_back(std::hypot(a.at(f, k).x - rtmpose.at(f, k).x, a.at(f, k).y - rtmpose.at(f, k).y));
    }
    accuracy.per_joint.emplace_back(GetLayoutInfo(KeypointLayout::kCanonical).keypoint_names[k], Median(distances));
    all.insert(all.end(), distances.begin(), distances.end());
  }
  accuracy.median_hips_knees_ankles = Median(all);
  return accuracy;
}

// Step frequency from the left ankle's height: the strongest stride frequency (0.9-2.0 Hz) of
// the detrended signal on a fine DFT grid, doubled.
double CadenceFromAnkleHeight(const PoseSequence& poses) {
  const PoseSequence c = ConvertLayout(poses, KeypointLayout::kCanonical);
  const int ankle = static_cast<int>(CanonicalKeypoint::kLeftAnkle);
  std::vector<double> y;
  double mean = 0;
  for (int f = 0; f < c.num_frames(); ++f) mean += c.at(f, ankle).y / c.num_frames();
  for (int f = 0; f < c.num_frames(); ++f) y.push_back(c.at(f, ankle).y - mean);
  double best_power = -1, best_hz = 0;
  for (double hz = 0.9; hz <= 2.0; hz += 0.0005) {
    double re = 0, im = 0;
    for (int f = 0; f < c.num_frames(); ++f) {
      const double phase = 2 * kPi * hz * c.timestamps_s[f];
      re += y[f] * std::cos(phase);
      im += y[f] * std::sin(phase);
    }
    if (re * re + im * im > best_power) {
      best_power = re * re + im * im;
      best_hz = hz;
    }
  }
  return 2 * 60 * best_hz;
}

TEST_P(MoveNetModels, RealClipAccuracyAgainstRtmposeAndCadence) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string folder = test::SharedDataDir() + "/real/male_side/";
  MoveNetOptions options;
  options.model = GetParam();
  auto detector = CreateMoveNetDetector(options);
  VideoReader reader(folder + "male_side.mp4");
  ExtractSummary summary;
  const PoseSequence poses = ExtractPoses(&reader, detector.get(), {}, &summary);
  ASSERT_EQ(poses.num_frames(), 360);
  EXPECT_EQ(poses.layout(), KeypointLayout::kCoco17);
  EXPECT_EQ(summary.frames_without_runner, 0);
  const Accuracy accuracy = CompareWithRtmpose(poses, ReadPoseJson(folder + "male_side.pose.json"));
  std::cout << GetParam() << " vs RTMPose, median px:";
  for (const auto& [name, px] : accuracy.per_joint) std::cout << " " << name << " " << px;
  std::cout << "; hips+knees+ankles " << accuracy.median_hips_knees_ankles << " ("
            << summary.BriefReport() << ")\n";
  const double limit = GetParam() == "movenet-lightning" ? 13.0 : 11.5;
  EXPECT_LE(accuracy.median_hips_knees_ankles, limit);
  const double cadence = CadenceFromAnkleHeight(poses);
  std::cout << GetParam() << " cadence from left-ankle height: " << cadence << " steps/min\n";
  EXPECT_NEAR(cadence, 168.9, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Models, MoveNetModels,
                         ::testing::Values("movenet-lightning", "movenet-thunder"),
                         [](const auto& test_info) {
                           return test_info.param == "movenet-lightning" ? std::string("lightning")
                                                                    : std::string("thunder");
                         });

TEST(MoveNet, OverlappedDecodingGivesTheSameKeypoints) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string video = test::SharedDataDir() + "/real/male_side/male_side.mp4";
  auto detector = CreateMoveNetDetector();
  ExtractOptions options;
  options.max_frames = 40;
  VideoReader first(video);
  const PoseSequence overlapped = ExtractPoses(&first, detector.get(), options);
  options.overlap_decoding = false;
  VideoReader second(video);
  const PoseSequence sequential = ExtractPoses(&second, detector.get(), options);
  ASSERT_EQ(overlapped.num_frames(), 40);
  ASSERT_EQ(sequential.num_frames(), 40);
  for (std::size_t i = 0; i < overlapped.keypoints().size(); ++i) {
    EXPECT_EQ(overlapped.keypoints()[i].x, sequential.keypoints()[i].x);
  }
  EXPECT_EQ(overlapped.timestamps_s, sequential.timestamps_s);
}

// XNNPACK and OpenCV DNN run the same network: on the same input (the whole frame, no tracking,
// whose crop would amplify rounding differences from frame to frame) the keypoints agree to float
// rounding, apart from the rare near tie between two heatmap cells.
TEST(MoveNet, XnnpackAndOpenCvEnginesAgree) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string video = test::SharedDataDir() + "/real/male_side/male_side.mp4";
  ExtractOptions extract;
  extract.max_frames = 60;
  std::vector<PoseSequence> results;
  for (InferenceEngine engine : {InferenceEngine::kXnnpack, InferenceEngine::kOpenCv}) {
    MoveNetOptions options;
    options.engine = engine;
    options.track_crop = false;
    auto detector = CreateMoveNetDetector(options);
    EXPECT_NE(detector->name().find(engine == InferenceEngine::kXnnpack ? "XNNPACK" : "OpenCV"),
              std::string::npos) << detector->name();
    VideoReader reader(video);
    results.push_back(ExtractPoses(&reader, detector.get(), extract));
  }
  std::vector<double> distances;
  for (std::size_t i = 0; i < results[0].keypoints().size(); ++i) {
    const Keypoint& a = results[0].keypoints()[i];
    const Keypoint& b = results[1].keypoints()[i];
    distances.push_back(std::hypot(a.x - b.x, a.y - b.y));
  }
  std::sort(distances.begin(), distances.end());
  const double median = distances[distances.size() / 2];
  const double p99 = distances[distances.size() * 99 / 100];
  std::cout << "XNNPACK vs OpenCV keypoints over 60 frames: median " << median << " px, 99th percentile "
            << p99 << " px, max " << distances.back() << " px\n";
  EXPECT_LT(median, 0.01);
  EXPECT_LT(p99, 0.1);
}

TEST(MoveNet, ClearErrorsForBadModelsAndOptions) {
  test::TemporaryFolder folder;
  test::WriteFile(folder.File("broken.onnx"), "not an onnx model");
  MoveNetOptions options;
  options.model = folder.File("broken.onnx");
  EXPECT_THROW(CreateMoveNetDetector(options), FormatError);
  options.model = "movenet-lightning";
  options.cache_dir = folder.path();
  EXPECT_THROW(CreateMoveNetDetector(options), InputError);
  options.engine = InferenceEngine::kXnnpack;
  EXPECT_THROW(CreateMoveNetDetector(options), InputError);
  options = MoveNetOptions();
  options.crop_min_confidence = 3;
  EXPECT_THROW(CreateMoveNetDetector(options), OptionError);
  options = MoveNetOptions();
  options.threads = -1;
  EXPECT_NE(test::ErrorMessage<OptionError>([&] { CreateMoveNetDetector(options); }).find("threads"),
            std::string::npos);
  EXPECT_EQ(InferenceEngineFromString("xnnpack"), InferenceEngine::kXnnpack);
  EXPECT_STREQ(ToString(InferenceEngine::kOpenCv), "opencv");
  const std::string unknown = test::ErrorMessage<OptionError>([] { InferenceEngineFromString("cuda"); });
  EXPECT_NE(unknown.find("auto, xnnpack, opencv"), std::string::npos) << unknown;
  ExtractOptions extract;
  extract.queue_frames = 0;
  EXPECT_THROW(extract.Check(), OptionError);
}

}  // namespace
}  // namespace gaitlens
