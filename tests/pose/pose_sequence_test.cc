#include "gaitlens/pose/pose_sequence.h"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"

namespace gaitlens {
namespace {

PoseSequence RandomPoses(KeypointLayout layout, int frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coordinate(0, 1000), confidence(0.01, 1.0);
  PoseSequence poses(layout, frames);
  poses.SetUniformTimestamps(60.0);
  for (int f = 0; f < frames; ++f) {
    for (int k = 0; k < poses.num_keypoints(); ++k) {
      poses.at(f, k) = {coordinate(rng), coordinate(rng), confidence(rng)};
    }
  }
  return poses;
}

TEST(PoseSequence, StartsWithEveryPointMissing) {
  PoseSequence poses(KeypointLayout::kCoco17, 5);
  EXPECT_EQ(poses.num_frames(), 5);
  EXPECT_EQ(poses.num_keypoints(), 17);
  EXPECT_EQ(poses.DetectedFraction(), 0.0);
  EXPECT_TRUE(poses.at(4, 16).IsMissing());
  EXPECT_THROW(poses.at(5, 0), OptionError);
  EXPECT_THROW(poses.at(0, 17), OptionError);
}

TEST(PoseSequence, EstimatedFpsIsRobustToOneIrregularInterval) {
  PoseSequence poses(KeypointLayout::kCoco17, 10);
  poses.SetUniformTimestamps(120.0);
  poses.timestamps_s[9] += 0.5;  // a dropped stretch
  EXPECT_NEAR(poses.EstimatedFps(), 120.0, 1e-9);
  EXPECT_THROW(poses.SetUniformTimestamps(0.0), OptionError);
  EXPECT_THROW(poses.SetUniformTimestamps(std::nan("")), OptionError);
}

TEST(PoseSequence, ValidateNamesFrameAndKeypoint) {
  PoseSequence poses = RandomPoses(KeypointLayout::kCoco17, 4, 1);
  EXPECT_NO_THROW(poses.Validate("clip"));
  poses.at(2, 13).x = std::numeric_limits<double>::infinity();
  try {
    poses.Validate("clip");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("clip: frame 2, left_knee"), std::string::npos) << e.what();
  }
  poses.at(2, 13).x = 1e9;
  EXPECT_THROW(poses.Validate("clip"), FormatError);
  poses.at(2, 13).x = 5;
  poses.at(1, 0).confidence = 1.5;
  EXPECT_THROW(poses.Validate("clip"), FormatError);
  poses.at(1, 0).confidence = 0.5;
  poses.timestamps_s[3] = poses.timestamps_s[2];
  EXPECT_THROW(poses.Validate("clip"), FormatError);
}

TEST(PoseSequence, ConvertingThroughCanonicalKeepsSharedPointsExactly) {
  const PoseSequence body25 = RandomPoses(KeypointLayout::kBody25, 6, 2);
  const PoseSequence coco = ConvertLayout(body25, KeypointLayout::kCoco17);
  const PoseSequence canonical = ConvertLayout(body25, KeypointLayout::kCanonical);
  const KeypointLayoutInfo& coco_info = GetLayoutInfo(KeypointLayout::kCoco17);
  const KeypointLayoutInfo& body_info = GetLayoutInfo(KeypointLayout::kBody25);
  for (int f = 0; f < 6; ++f) {
    for (int k = 0; k < 17; ++k) {
      const int b = body_info.IndexOf(coco_info.keypoint_names[k]);
      ASSERT_GE(b, 0);
      EXPECT_EQ(coco.at(f, k).x, body25.at(f, b).x);
      EXPECT_EQ(coco.at(f, k).confidence, body25.at(f, b).confidence);
    }
    // BODY_25 has heels, so the canonical sequence has them too.
    const int heel = static_cast<int>(CanonicalKeypoint::kLeftHeel);
    EXPECT_EQ(canonical.at(f, heel).y, body25.at(f, body_info.IndexOf("left_heel")).y);
  }
  // COCO has no heels: converting back leaves them missing, not invented.
  const PoseSequence back = ConvertLayout(coco, KeypointLayout::kBody25);
  EXPECT_TRUE(back.at(0, body_info.IndexOf("left_heel")).IsMissing());
  EXPECT_TRUE(back.at(0, body_info.IndexOf("neck")).IsMissing());
  EXPECT_EQ(back.timestamps_s, body25.timestamps_s);
}

TEST(PoseSequence, SwapLeftRightTwiceIsIdentity) {
  PoseSequence poses = RandomPoses(KeypointLayout::kHalpe26, 3, 3);
  const PoseSequence original = poses;
  SwapLeftRight(&poses, 1);
  const KeypointLayoutInfo& info = poses.layout_info();
  EXPECT_EQ(poses.at(1, info.IndexOf("left_knee")).x, original.at(1, info.IndexOf("right_knee")).x);
  EXPECT_EQ(poses.at(1, info.IndexOf("nose")).x, original.at(1, info.IndexOf("nose")).x);
  EXPECT_EQ(poses.at(0, info.IndexOf("left_knee")).x, original.at(0, info.IndexOf("left_knee")).x);
  SwapLeftRight(&poses, 1);
  for (std::size_t i = 0; i < poses.keypoints().size(); ++i) {
    EXPECT_EQ(poses.keypoints()[i].x, original.keypoints()[i].x);
  }
}

}  // namespace
}  // namespace gaitlens
