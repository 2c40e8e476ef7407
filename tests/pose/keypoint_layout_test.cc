#include "gaitlens/pose/keypoint_layout.h"

#include <set>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"

namespace gaitlens {
namespace {

class EveryLayout : public ::testing::TestWithParam<KeypointLayout> {};

TEST_P(EveryLayout, NamesAreUniqueAndMirrorIsAnInvolution) {
  const KeypointLayoutInfo& info = GetLayoutInfo(GetParam());
  ASSERT_EQ(info.to_canonical.size(), info.keypoint_names.size());
  ASSERT_EQ(info.mirror.size(), info.keypoint_names.size());
  std::set<std::string> names(info.keypoint_names.begin(), info.keypoint_names.end());
  EXPECT_EQ(names.size(), info.keypoint_names.size());
  for (int k = 0; k < info.num_keypoints(); ++k) {
    ASSERT_GE(info.mirror[k], 0) << info.keypoint_names[k];
    EXPECT_EQ(info.mirror[info.mirror[k]], k) << info.keypoint_names[k];
    const std::string& name = info.keypoint_names[k];
    if (name.find("left") != std::string::npos) {
      EXPECT_NE(info.mirror[k], k) << name;
    }
  }
}

TEST_P(EveryLayout, CanonicalMappingIsInjectiveAndNamesAgree) {
  const KeypointLayoutInfo& info = GetLayoutInfo(GetParam());
  std::set<int> seen;
  for (int k = 0; k < info.num_keypoints(); ++k) {
    const int c = info.to_canonical[k];
    if (c < 0) continue;
    EXPECT_TRUE(seen.insert(c).second) << "two points map to canonical " << c;
    // Mirrors map to mirrors in the canonical layout too.
    const int mirror_c = info.to_canonical[info.mirror[k]];
    EXPECT_EQ(GetLayoutInfo(KeypointLayout::kCanonical).mirror[c], mirror_c);
  }
  EXPECT_EQ(KeypointLayoutFromString(ToString(GetParam())), GetParam());
}

TEST_P(EveryLayout, HasBothHipsKneesAndAnkles) {
  const KeypointLayoutInfo& info = GetLayoutInfo(GetParam());
  for (CanonicalKeypoint point :
       {CanonicalKeypoint::kLeftHip, CanonicalKeypoint::kRightHip, CanonicalKeypoint::kLeftKnee,
        CanonicalKeypoint::kRightKnee, CanonicalKeypoint::kLeftAnkle,
        CanonicalKeypoint::kRightAnkle}) {
    EXPECT_GE(info.IndexOf(point), 0) << ToString(point) << " in " << info.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, EveryLayout, ::testing::ValuesIn(AllKeypointLayouts()),
                         [](const auto& test_info) { return std::string(ToString(test_info.param)); });

TEST(KeypointLayout, SizesAndKnownIndicesMatchThePublishedLayouts) {
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kCanonical).num_keypoints(), kNumCanonicalKeypoints);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kCoco17).num_keypoints(), 17);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBody25).num_keypoints(), 25);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kOpenPoseCoco18).num_keypoints(), 18);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kHalpe26).num_keypoints(), 26);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBlazePose33).num_keypoints(), 33);
  // Spot checks against the published orders.
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kCoco17).IndexOf(CanonicalKeypoint::kLeftHip), 11);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBody25).IndexOf(CanonicalKeypoint::kRightHeel), 24);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBody25).IndexOf("mid_hip"), 8);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBody25).IndexOf(CanonicalKeypoint::kLeftBigToe), 19);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kOpenPoseCoco18).IndexOf(CanonicalKeypoint::kLeftAnkle), 13);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kHalpe26).IndexOf(CanonicalKeypoint::kLeftHeel), 24);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kHalpe26).IndexOf(CanonicalKeypoint::kRightSmallToe), 23);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBlazePose33).IndexOf(CanonicalKeypoint::kRightHeel), 30);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBlazePose33).IndexOf(CanonicalKeypoint::kLeftBigToe), 31);
  // Points without a canonical equivalent are not invented.
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kCoco17).IndexOf(CanonicalKeypoint::kLeftHeel), -1);
  EXPECT_EQ(GetLayoutInfo(KeypointLayout::kBody25).to_canonical[1], -1);  // neck
}

TEST(KeypointLayout, AliasesOfOtherTools) {
  EXPECT_EQ(CanonicalIndexFromAlias("LHip"), static_cast<int>(CanonicalKeypoint::kLeftHip));
  EXPECT_EQ(CanonicalIndexFromAlias("l_hip"), static_cast<int>(CanonicalKeypoint::kLeftHip));
  EXPECT_EQ(CanonicalIndexFromAlias("Right Knee"), static_cast<int>(CanonicalKeypoint::kRightKnee));
  EXPECT_EQ(CanonicalIndexFromAlias("RBigToe"), static_cast<int>(CanonicalKeypoint::kRightBigToe));
  EXPECT_EQ(CanonicalIndexFromAlias("l_small_toe"), static_cast<int>(CanonicalKeypoint::kLeftSmallToe));
  EXPECT_EQ(CanonicalIndexFromAlias("right_foot_index"), static_cast<int>(CanonicalKeypoint::kRightBigToe));
  EXPECT_EQ(CanonicalIndexFromAlias("NOSE"), static_cast<int>(CanonicalKeypoint::kNose));
  EXPECT_EQ(CanonicalIndexFromAlias("neck"), -1);
  EXPECT_EQ(CanonicalIndexFromAlias("left_eye_inner"), -1);
  EXPECT_EQ(CanonicalIndexFromAlias(""), -1);
}

TEST(KeypointLayout, UnknownNameListsTheValidOnes) {
  try {
    KeypointLayoutFromString("coco18");
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("body25"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaitlens
