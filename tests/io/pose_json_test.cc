// Tests of the pose JSON reader (schema "gaitlab.pose/v1").
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "test_util.h"

namespace gaitlens {
namespace {

using Json = nlohmann::json;
using test::TemporaryFolder;
using test::WriteFile;

using test::ErrorMessage;

using test::Fps;

// The names of male_side.pose.json (RTMPose Halpe-26 minus the eyes and ears).
const std::vector<std::string> kNames = {
    "nose",      "head",      "neck",        "mid_hip",    "l_shoulder", "r_shoulder",
    "l_elbow",   "r_elbow",   "l_wrist",     "r_wrist",    "l_hip",      "r_hip",
    "l_knee",    "r_knee",    "l_ankle",     "r_ankle",    "l_heel",     "r_heel",
    "l_big_toe", "r_big_toe", "l_small_toe", "r_small_toe"};

// --- A test-local pose JSON writer ---------------------------------------------------------------

// A document with kNames from canonical `poses`; names without a canonical point get random
// values, missing points are written as [0, 0, 0].
Json PoseDocument(const PoseSequence& poses, double fps, std::mt19937* rng) {
  std::uniform_real_distribution<double> value(0.0, 700.0);
  Json frames = Json::array();
  for (int f = 0; f < poses.num_frames(); ++f) {
    Json frame = Json::array();
    for (const std::string& name : kNames) {
      const int canonical = CanonicalIndexFromAlias(name);
      if (canonical < 0) {
        frame.push_back({value(*rng), value(*rng), 0.5});
        continue;
      }
      const Keypoint& p = poses.at(f, canonical);
      frame.push_back(p.IsMissing() ? Json{0.0, 0.0, 0.0} : Json{p.x, p.y, p.confidence});
    }
    frames.push_back(frame);
  }
  return Json{{"schema", "gaitlab.pose/v1"},
              {"source", "rtmpose-halpe26"},
              {"view", "side-left"},
              {"fps", fps},
              {"width", 720},
              {"height", 1280},
              {"keypoint_names", kNames},
              {"frames", frames}};
}

PoseSequence RandomCanonicalPoses(int num_frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> x(0.0, 720.0);
  std::uniform_real_distribution<double> y(0.0, 1280.0);
  std::uniform_real_distribution<double> confidence(0.001, 1.0);
  std::bernoulli_distribution missing(0.15);
  PoseSequence poses(KeypointLayout::kCanonical, num_frames);
  for (int f = 0; f < num_frames; ++f) {
    for (const std::string& name : kNames) {
      const int canonical = CanonicalIndexFromAlias(name);
      if (canonical >= 0 && !missing(rng)) {
        poses.at(f, canonical) = Keypoint{x(rng), y(rng), confidence(rng)};
      }
    }
  }
  return poses;
}

void ExpectSamePoints(const PoseSequence& expected, const PoseSequence& actual) {
  ASSERT_EQ(actual.layout(), KeypointLayout::kCanonical);
  ASSERT_EQ(expected.num_frames(), actual.num_frames());
  for (int f = 0; f < expected.num_frames(); ++f) {
    for (int k = 0; k < expected.num_keypoints(); ++k) {
      const Keypoint& e = expected.at(f, k);
      const Keypoint& a = actual.at(f, k);
      ASSERT_NEAR(e.x, a.x, 1e-9) << "frame " << f << " keypoint " << k;
      ASSERT_NEAR(e.y, a.y, 1e-9) << "frame " << f << " keypoint " << k;
      ASSERT_NEAR(e.confidence, a.confidence, 1e-9) << "frame " << f << " keypoint " << k;
    }
  }
}

// --- Known content -------------------------------------------------------------------------------

TEST(PoseJsonTest, ReadsPoseJsonMappingNamesToCanonicalPoints) {
  std::mt19937 rng(1);
  const PoseSequence poses = RandomCanonicalPoses(40, 2);
  TemporaryFolder folder;
  const std::string path = folder.File("clip.pose.json");
  WriteFile(path, PoseDocument(poses, 30.0, &rng).dump());
  const PoseSequence read = ReadPoseJson(path);
  ExpectSamePoints(poses, read);
  EXPECT_EQ(read.image_width, 720);
  EXPECT_EQ(read.image_height, 1280);
  EXPECT_EQ(read.source, "rtmpose-halpe26");
  EXPECT_NEAR(read.timestamps_s[39], 39 / 30.0, 1e-12);
  // The eyes and ears are not in the file.
  EXPECT_EQ(read.DetectedFraction({static_cast<int>(CanonicalKeypoint::kLeftEye)}), 0.0);
  // The dispatcher reads .json as pose JSON.
  ExpectSamePoints(poses, ReadKeypoints(path));
}

TEST(PoseJsonTest, NullPointsAreMissingAndConfidenceAboveOneIsClamped) {
  const std::string text = R"({"fps": 50, "keypoint_names": ["l_hip", "neck", "RKnee"],
      "frames": [[[1, 2, 1.035], null, null], [[3, 4, 0], [5, 6, 0.5], [7.5, 8.5, 0.25]]]})";
  const PoseSequence poses = ParsePoseJson(text, "p.json", {});
  ASSERT_EQ(poses.num_frames(), 2);
  const int hip = static_cast<int>(CanonicalKeypoint::kLeftHip);
  const int knee = static_cast<int>(CanonicalKeypoint::kRightKnee);
  EXPECT_EQ(poses.at(0, hip).x, 1.0);
  EXPECT_EQ(poses.at(0, hip).confidence, 1.0);  // 1.035 clamped
  EXPECT_TRUE(poses.at(0, knee).IsMissing());   // null
  EXPECT_TRUE(poses.at(1, hip).IsMissing());    // confidence 0
  EXPECT_EQ(poses.at(1, hip).x, 0.0);
  EXPECT_EQ(poses.at(1, knee).x, 7.5);
  EXPECT_EQ(poses.at(1, knee).confidence, 0.25);
  EXPECT_DOUBLE_EQ(poses.timestamps_s[1], 0.02);
  EXPECT_EQ(poses.image_width, 0);
  EXPECT_EQ(poses.source, "p.json");  // no "source": the file name
}

TEST(PoseJsonTest, TheFileFpsWinsAndOptionsFpsIsUsedOnlyWithoutOne) {
  const std::string with_fps = R"({"fps": 25, "keypoint_names": ["l_hip"], "frames": [[[1,2,1]],
      [[1,2,1]]]})";
  EXPECT_DOUBLE_EQ(ParsePoseJson(with_fps, "a.json", Fps(100.0)).timestamps_s[1], 0.04);
  const std::string without_fps = R"({"keypoint_names": ["l_hip"], "frames": [[[1,2,1]],
      [[1,2,1]]]})";
  EXPECT_DOUBLE_EQ(ParsePoseJson(without_fps, "b.json", Fps(100.0)).timestamps_s[1], 0.01);
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { ParsePoseJson(without_fps, "b.json", {}); }),
                  "b.json: the file has no \"fps\"");
  const std::string null_fps = R"({"fps": null, "keypoint_names": ["l_hip"], "frames": [[null]]})";
  EXPECT_EQ(ParsePoseJson(null_fps, "c.json", Fps(10.0)).num_frames(), 1);
}

TEST(PoseJsonTest, ReadsTheRealMaleSideClip) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string path = test::SharedDataDir() + "/real/male_side/male_side.pose.json";
  const PoseSequence poses = ReadPoseJson(path);
  EXPECT_EQ(poses.layout(), KeypointLayout::kCanonical);
  EXPECT_EQ(poses.num_frames(), 360);
  EXPECT_NEAR(poses.EstimatedFps(), 30.0, 1e-9);
  EXPECT_NEAR(poses.timestamps_s.back(), 359.0 / 30.0, 1e-9);
  EXPECT_EQ(poses.image_width, 720);
  EXPECT_EQ(poses.image_height, 1280);
  EXPECT_EQ(poses.source, "rtmpose-halpe26");
  for (CanonicalKeypoint point :
       {CanonicalKeypoint::kLeftHip, CanonicalKeypoint::kRightHip, CanonicalKeypoint::kLeftKnee,
        CanonicalKeypoint::kRightKnee, CanonicalKeypoint::kLeftAnkle,
        CanonicalKeypoint::kRightAnkle, CanonicalKeypoint::kLeftHeel, CanonicalKeypoint::kRightHeel,
        CanonicalKeypoint::kLeftBigToe, CanonicalKeypoint::kRightBigToe,
        CanonicalKeypoint::kLeftShoulder, CanonicalKeypoint::kNose}) {
    EXPECT_GT(poses.DetectedFraction({static_cast<int>(point)}), 0.9) << ToString(point);
  }
  // The file has no eyes or ears.
  EXPECT_EQ(poses.DetectedFraction({static_cast<int>(CanonicalKeypoint::kLeftEar)}), 0.0);
  for (const Keypoint& p : poses.keypoints()) {
    ASSERT_LE(p.confidence, 1.0);
    if (!p.IsMissing()) {
      ASSERT_GE(p.x, 0.0);
      ASSERT_LE(p.x, 720.0);
      ASSERT_GE(p.y, 0.0);
      ASSERT_LE(p.y, 1280.0);
    }
  }
}

// --- Malformed input -----------------------------------------------------------------------------

template <typename ErrorType>
std::string ParseError(const std::string& text) {
  return ErrorMessage<ErrorType>([&] { ParsePoseJson(text, "pose.json", Fps(30.0)); });
}

// A valid document with frames [[..], [..], <frame_two>].
std::string WithThirdFrame(const std::string& frame_two) {
  return R"({"fps": 30, "keypoint_names": ["l_hip", "l_knee", "l_ankle"], "frames": [)"
         R"([[1,2,0.5],[3,4,0.5],[5,6,0.5]], [[1,2,0.5],[3,4,0.5],[5,6,0.5]], )" +
         frame_two + "]}";
}

TEST(PoseJsonTest, EmptyFileOrNoFramesIsInputError) {
  TemporaryFolder folder;
  WriteFile(folder.File("empty.json"), "");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadPoseJson(folder.File("empty.json")); }),
                  "empty.json");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadPoseJson(folder.File("none.json")); }),
                  "none.json");
  EXPECT_CONTAINS(ParseError<InputError>("  \n"), "pose.json: file is empty");
  EXPECT_CONTAINS(ParseError<InputError>(R"({"keypoint_names": ["l_hip"], "frames": []})"),
                  "pose.json: \"frames\" is empty");
}

TEST(PoseJsonTest, MalformedJsonIsFormatErrorNamingTheFile) {
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,0.5],[3,4")),
                  "pose.json: malformed JSON");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,0.5],[3,4,NaN],[5,6,0.5]]")),
                  "pose.json: malformed JSON");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,0.5],[3,4,1],[1e999,6,0.5]]")),
                  "pose.json: malformed JSON");
}

TEST(PoseJsonTest, WrongTypesAreFormatErrorsNamingTheField) {
  EXPECT_CONTAINS(ParseError<FormatError>("[1, 2, 3]"), "pose.json: the document is an array");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"frames": []})"), "pose.json: no \"keypoint_names\"");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": "l_hip", "frames": []})"),
                  "pose.json: \"keypoint_names\" is a string");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": ["l_hip", 3], "frames": []})"),
                  "pose.json: keypoint_names[1] is a number");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": ["l_hip"], "frames": 3})"),
                  "pose.json: \"frames\" is a number");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": ["l_hip"]})"),
                  "pose.json: no \"frames\"");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame(R"({"l_hip": [1, 2, 3]})")),
                  "pose.json: frame 2 is an object");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame(R"([[1,2,0.5],[3,"4",0.5],[5,6,0.5]])")),
                  "pose.json: frame 2, point 1 (l_knee): expected [x, y, confidence] numbers");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame(R"([[1,2,0.5],[3,4],[5,6,0.5]])")),
                  "pose.json: frame 2, point 1 (l_knee)");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"fps": "30", "keypoint_names": ["l_hip"],
                                              "frames": [[[1,2,1]]]})"),
                  "pose.json: \"fps\" is a string");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"width": 720.5, "keypoint_names": ["l_hip"],
                                              "frames": [[[1,2,1]]]})"),
                  "pose.json: \"width\" is 720.5");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"schema": "gaitlab.pose/v2",
                                              "keypoint_names": ["l_hip"],
                                              "frames": [[[1,2,1]]]})"),
                  "pose.json: unsupported \"schema\"");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"version": 1.3, "people": []})"),
                  "pose.json: this looks like a single OpenPose frame file");
}

TEST(PoseJsonTest, WrongPointCountIsFormatErrorNamingTheFrame) {
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,0.5],[3,4,0.5]]")),
                  "pose.json: frame 2 has 2 points, expected 3");
}

TEST(PoseJsonTest, OutOfRangeValuesAreFormatErrorsNamingTheFrame) {
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,0.5],[3,4,0.5],[1e9,6,0.5]]")),
                  "pose.json: frame 2, point 2 (l_ankle): coordinate");
  EXPECT_CONTAINS(ParseError<FormatError>(WithThirdFrame("[[1,2,-0.1],[3,4,0.5],[5,6,0.5]]")),
                  "pose.json: frame 2, point 0 (l_hip): negative confidence");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"fps": -30, "keypoint_names": ["l_hip"],
                                              "frames": [[[1,2,1]]]})"),
                  "pose.json: \"fps\" is -30");
}

TEST(PoseJsonTest, UnknownOrAmbiguousKeypointNamesAreFormatErrors) {
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": ["head", "tail"],
                                              "frames": [[[1,2,1],[3,4,1]]]})"),
                  "pose.json: none of the keypoint_names (head, tail)");
  EXPECT_CONTAINS(ParseError<FormatError>(R"({"keypoint_names": ["l_hip", "LHip"],
                                              "frames": [[[1,2,1],[3,4,1]]]})"),
                  "pose.json: keypoint_names 'l_hip' and 'LHip' both mean left_hip");
}

}  // namespace
}  // namespace gaitlens
