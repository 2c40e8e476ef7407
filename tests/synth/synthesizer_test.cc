// Synthetic clips end to end: keypoints, noise realism and the ground-truth file, across the
// sweep of views, frame rates and noise levels that later stages reuse.
#include "gaitlens/synth/synthesizer.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "synth_sweep.h"
#include "test_util.h"

namespace gaitlens::synth {
namespace {

class SynthSweepTest : public ::testing::TestWithParam<test::SynthCase> {};

TEST_P(SynthSweepTest, KeypointsTruthAndNoiseAreConsistent) {
  const test::SynthCase& c = GetParam();
  const SynthOptions options = c.Options(4.0);
  const SynthResult result = Generate(options);
  const int frames = static_cast<int>(std::floor(4.0 * c.fps + 1e-9));
  ASSERT_EQ(result.poses.num_frames(), frames);
  ASSERT_EQ(result.clean_poses.num_frames(), frames);
  EXPECT_NEAR(result.poses.EstimatedFps(), c.fps, 1e-6);
  EXPECT_EQ(result.truth.num_frames, frames);
  EXPECT_NO_THROW(result.poses.Validate("synth"));

  // About duration * cadence / 60 steps, alternating feet, all inside the clip.
  const double expected_steps = 4.0 * options.runner.cadence_spm / 60.0;
  EXPECT_NEAR(static_cast<double>(result.truth.steps.size()), expected_steps, 2.0);
  EXPECT_NEAR(result.truth.cadence_spm, options.runner.cadence_spm, 0.05 * options.runner.cadence_spm);

  // Clean keypoints lie inside the image and the runner fills the requested fraction of it.
  double top = 1e9, bottom = -1e9;
  for (int f = 0; f < frames; ++f) {
    for (int k = 0; k < result.clean_poses.num_keypoints(); ++k) {
      const Keypoint& p = result.clean_poses.at(f, k);
      EXPECT_GT(p.x, 0);
      EXPECT_LT(p.x, options.camera.width);
      top = std::min(top, p.y);
      bottom = std::max(bottom, p.y);
    }
  }
  const double span = (bottom - top) / options.camera.height;
  EXPECT_GT(span, 0.35);
  EXPECT_LT(span, 0.6);

  // The noise did what it was asked to do.
  const NoiseParams& noise = options.noise;
  const NoiseLog& log = result.noise_log;
  int swapped = 0, occluded = 0, merged = 0;
  for (int f = 0; f < frames; ++f) {
    swapped += log.swapped[f];
    occluded += log.occluded[f];
    merged += log.knees_merged[f];
  }
  EXPECT_NEAR(swapped, noise.swap_fraction * frames, 1.0);
  EXPECT_NEAR(merged, noise.merged_knees_fraction * frames, 1.0);
  if (c.view == View::kSide) {
    EXPECT_NEAR(occluded, noise.occlusion_fraction * frames, 1.0 + 0.01 * frames);
  } else {
    EXPECT_EQ(occluded, 0);
  }
  const double points = static_cast<double>(frames) * kNumCanonicalKeypoints;
  EXPECT_NEAR(log.dropouts / points, noise.dropout_rate, 0.01 + 0.5 * noise.dropout_rate);
  if (c.noise == "clean") {
    for (std::size_t i = 0; i < result.poses.keypoints().size(); ++i) {
      EXPECT_EQ(result.poses.keypoints()[i].x, result.clean_poses.keypoints()[i].x);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sweep, SynthSweepTest, ::testing::ValuesIn(test::SynthSweep()),
                         [](const auto& test_info) { return test_info.param.Name(); });

TEST(Synthesizer, JitterHasTheRequestedSize) {
  SynthOptions options;
  options.duration_s = 5;
  options.noise = NoiseParams::Clean();
  options.noise.jitter = 0.01;
  options.noise.confidence_min = 0.5;
  options.noise.confidence_max = 0.9;
  const SynthResult result = Generate(options);
  const double body_px = options.camera.runner_fraction * options.camera.height;
  double sum_sq = 0;
  int n = 0;
  for (int f = 0; f < result.poses.num_frames(); ++f) {
    for (int k = 0; k < 6; ++k) {  // hips, knees, ankles (no foot factor)
      const double dx = result.poses.at(f, k).x - result.clean_poses.at(f, k).x;
      sum_sq += dx * dx;
      ++n;
      EXPECT_GE(result.poses.at(f, k).confidence, 0.5);
      EXPECT_LE(result.poses.at(f, k).confidence, 0.9);
    }
  }
  EXPECT_NEAR(std::sqrt(sum_sq / n), 0.01 * body_px, 0.1 * 0.01 * body_px);
}

TEST(Synthesizer, SwappedFramesHaveTheirLegsExchanged) {
  SynthOptions options;
  options.duration_s = 3;
  options.noise = NoiseParams::Clean();
  options.noise.swap_fraction = 0.1;
  const SynthResult result = Generate(options);
  int swapped = 0;
  for (int f = 0; f < result.poses.num_frames(); ++f) {
    const bool exchanged = result.poses.at(f, 2).x == result.clean_poses.at(f, 3).x;  // knees
    EXPECT_EQ(exchanged, static_cast<bool>(result.noise_log.swapped[f])) << f;
    swapped += exchanged;
  }
  EXPECT_GT(swapped, 0);
}

TEST(Synthesizer, OcclusionHidesTheFarLegAtTheFrontOfTheStride) {
  SynthOptions options;  // side view facing left: camera on the left, far leg = right
  options.duration_s = 4;
  options.noise = NoiseParams::Clean();
  options.noise.occlusion_fraction = 0.1;
  const SynthResult result = Generate(options);
  const int right_ankle = static_cast<int>(CanonicalKeypoint::kRightAnkle);
  const int left_ankle = static_cast<int>(CanonicalKeypoint::kLeftAnkle);
  for (int f = 0; f < result.poses.num_frames(); ++f) {
    EXPECT_EQ(result.poses.at(f, right_ankle).IsMissing(), static_cast<bool>(result.noise_log.occluded[f]));
    EXPECT_FALSE(result.poses.at(f, left_ankle).IsMissing());
    if (result.noise_log.occluded[f]) {
      // Facing left: the front of the stride is image-left of the hip.
      EXPECT_LT(result.clean_poses.at(f, right_ankle).x, result.clean_poses.at(f, 1).x);
    }
  }
}

TEST(Synthesizer, SideViewProjectsTheBeltMotionIntoTheImage) {
  SynthOptions options;
  options.noise = NoiseParams::Clean();
  options.duration_s = 2;
  options.camera.facing_right = true;
  const SynthResult result = Generate(options);
  // A stance heel moves image-left (backwards) when the runner faces right.
  const StepTruth& step = result.truth.steps[1];
  const int f = static_cast<int>(std::ceil(step.ic_s * options.camera.fps)) + 2;
  const int heel = static_cast<int>(step.side == kLeft ? CanonicalKeypoint::kLeftHeel
                                                       : CanonicalKeypoint::kRightHeel);
  const double velocity_px = (result.clean_poses.at(f + 1, heel).x - result.clean_poses.at(f, heel).x) *
                             options.camera.fps;
  EXPECT_LT(velocity_px, 0);
}

TEST(Synthesizer, IdenticalSeedsGiveIdenticalOutput) {
  SynthOptions options;
  options.duration_s = 2;
  options.noise = NoiseParams::Harsh();
  const SynthResult a = Generate(options), b = Generate(options);
  ASSERT_EQ(a.poses.keypoints().size(), b.poses.keypoints().size());
  for (std::size_t i = 0; i < a.poses.keypoints().size(); ++i) {
    EXPECT_EQ(a.poses.keypoints()[i].x, b.poses.keypoints()[i].x);
    EXPECT_EQ(a.poses.keypoints()[i].confidence, b.poses.keypoints()[i].confidence);
  }
  EXPECT_EQ(GroundTruthToJson(a.truth, &a.noise_log), GroundTruthToJson(b.truth, &b.noise_log));
  options.noise_seed = 2;
  const SynthResult c = Generate(options);
  EXPECT_NE(a.poses.at(10, 0).x, c.poses.at(10, 0).x);
}

TEST(Synthesizer, OutputLayoutsKeepOnlyTheirPoints) {
  SynthOptions options;
  options.duration_s = 1;
  options.layout = KeypointLayout::kCoco17;
  const SynthResult result = Generate(options);
  EXPECT_EQ(result.poses.num_keypoints(), 17);
  options.layout = KeypointLayout::kBody25;
  const SynthResult body25 = Generate(options);
  const KeypointLayoutInfo& info = GetLayoutInfo(KeypointLayout::kBody25);
  EXPECT_TRUE(body25.poses.at(3, info.IndexOf("neck")).IsMissing());
  EXPECT_NEAR(body25.poses.DetectedFraction({info.IndexOf("left_heel")}), 1.0, 0.05);
}

TEST(Synthesizer, GroundTruthJsonIsCompleteAndWrittenAtomically) {
  test::TemporaryFolder folder;
  SynthOptions options;
  options.duration_s = 3;
  const SynthResult result = Generate(options);
  const std::string path = folder.File("truth.json");
  WriteGroundTruthJson(result.truth, path, &result.noise_log);
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema"], "gaitlens.synth.truth/v1");
  EXPECT_EQ(j["steps"].size(), result.truth.steps.size());
  EXPECT_DOUBLE_EQ(j["steps"][0]["ic_s"].get<double>(), result.truth.steps[0].ic_s);
  EXPECT_DOUBLE_EQ(j["summary"]["cadence_spm"].get<double>(), result.truth.cadence_spm);
  EXPECT_TRUE(j["steps"][0]["fppa_peak_camera_deg"].is_null());  // side view: no frontal camera value
  EXPECT_EQ(j["frames"]["time_s"].size(), static_cast<std::size_t>(result.truth.num_frames));
  EXPECT_EQ(j["frames"]["swapped"].size(), static_cast<std::size_t>(result.truth.num_frames));
  // The keypoints round-trip through gaitlens CSV.
  WriteGaitlensCsv(result.poses, folder.File("poses.csv"));
  const PoseSequence back = ReadGaitlensCsv(folder.File("poses.csv"));
  EXPECT_EQ(back.num_frames(), result.poses.num_frames());
}

TEST(Synthesizer, RejectsBadOptions) {
  SynthOptions options;
  options.duration_s = 0;
  EXPECT_THROW(Generate(options), OptionError);
  options = SynthOptions();
  options.camera.fps = 1000;
  EXPECT_THROW(Generate(options), OptionError);
  options = SynthOptions();
  options.camera.view = View::kAuto;
  EXPECT_THROW(Generate(options), OptionError);
  options = SynthOptions();
  options.noise.dropout_rate = 2;
  EXPECT_THROW(Generate(options), OptionError);
  EXPECT_THROW(NoiseParams::FromName("terrible"), OptionError);
}

}  // namespace
}  // namespace gaitlens::synth
