// Tests of the OpenPose JSON folder reader, including the choice of the runner among several
// detected people.
#include <cmath>
#include <cstdio>
#include <filesystem>
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

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Person = std::vector<Keypoint>;
using test::TemporaryFolder;
using test::WriteFile;

constexpr double kPi = 3.14159265358979323846;

using test::ErrorMessage;

// --- A test-local OpenPose writer ---------------------------------------------------------------

// One frame file as OpenPose writes it; missing points (confidence 0) become 0, 0, 0.
std::string OpenPoseFrameJson(const std::vector<Person>& people) {
  Json root = {{"version", 1.3}, {"people", Json::array()}};
  for (const Person& person : people) {
    Json values = Json::array();
    for (const Keypoint& p : person) {
      const bool missing = p.IsMissing();
      values.push_back(missing ? 0.0 : p.x);
      values.push_back(missing ? 0.0 : p.y);
      values.push_back(missing ? 0.0 : p.confidence);
    }
    root["people"].push_back({{"person_id", {-1}},
                              {"pose_keypoints_2d", values},
                              {"face_keypoints_2d", Json::array()},
                              {"hand_left_keypoints_2d", Json::array()},
                              {"hand_right_keypoints_2d", Json::array()},
                              {"pose_keypoints_3d", Json::array()}});
  }
  return root.dump();
}

std::string FrameFileName(int frame) {
  char name[64];
  std::snprintf(name, sizeof(name), "video_%012d_keypoints.json", frame);
  return name;
}

void WriteOpenPoseFrames(const std::string& folder,
                         const std::vector<std::vector<Person>>& frames) {
  for (std::size_t f = 0; f < frames.size(); ++f) {
    WriteFile(folder + "/" + FrameFileName(static_cast<int>(f)), OpenPoseFrameJson(frames[f]));
  }
}

Person FramePerson(const PoseSequence& poses, int frame) {
  Person person(poses.num_keypoints());
  for (int k = 0; k < poses.num_keypoints(); ++k) person[k] = poses.at(frame, k);
  return person;
}

PoseSequence RandomPoses(KeypointLayout layout, int num_frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> x(0.0, 720.0);
  std::uniform_real_distribution<double> y(0.0, 1280.0);
  std::uniform_real_distribution<double> confidence(0.01, 1.0);
  std::bernoulli_distribution missing(0.2);
  PoseSequence poses(layout, num_frames);
  for (int f = 0; f < num_frames; ++f) {
    for (int k = 0; k < poses.num_keypoints(); ++k) {
      if (!missing(rng)) poses.at(f, k) = Keypoint{x(rng), y(rng), confidence(rng)};
    }
  }
  return poses;
}

using test::Fps;

void ExpectPersonEq(const Person& expected, const PoseSequence& poses, int frame) {
  ASSERT_EQ(static_cast<int>(expected.size()), poses.num_keypoints());
  for (int k = 0; k < poses.num_keypoints(); ++k) {
    const Keypoint& e = expected[k];
    const Keypoint& a = poses.at(frame, k);
    if (e.IsMissing()) {
      ASSERT_TRUE(a.IsMissing()) << "frame " << frame << " keypoint " << k;
      ASSERT_EQ(a.x, 0.0);
      ASSERT_EQ(a.y, 0.0);
    } else {
      ASSERT_NEAR(e.x, a.x, 1e-9) << "frame " << frame << " keypoint " << k;
      ASSERT_NEAR(e.y, a.y, 1e-9) << "frame " << frame << " keypoint " << k;
      ASSERT_NEAR(e.confidence, a.confidence, 1e-9) << "frame " << frame << " keypoint " << k;
    }
  }
}

// --- Known content -------------------------------------------------------------------------------

TEST(OpenPoseJsonTest, ReadsSinglePersonBody25Folder) {
  const PoseSequence poses = RandomPoses(KeypointLayout::kBody25, 30, 1);
  std::vector<std::vector<Person>> frames;
  for (int f = 0; f < poses.num_frames(); ++f) frames.push_back({FramePerson(poses, f)});
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), frames);

  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(30.0));
  EXPECT_EQ(read.layout(), KeypointLayout::kBody25);
  ASSERT_EQ(read.num_frames(), 30);
  EXPECT_EQ(read.source, folder.path());
  EXPECT_EQ(read.image_width, 0);
  for (int f = 0; f < 30; ++f) {
    EXPECT_NEAR(read.timestamps_s[f], f / 30.0, 1e-12);
    ExpectPersonEq(FramePerson(poses, f), read, f);
  }
  // The dispatcher treats a folder as OpenPose output.
  const PoseSequence dispatched = ReadKeypoints(folder.path(), Fps(30.0));
  EXPECT_EQ(dispatched.keypoints().size(), read.keypoints().size());
}

TEST(OpenPoseJsonTest, DetectsCoco18FromTheValueCountAndHonoursAnExplicitLayout) {
  const PoseSequence poses = RandomPoses(KeypointLayout::kOpenPoseCoco18, 4, 2);
  std::vector<std::vector<Person>> frames;
  for (int f = 0; f < poses.num_frames(); ++f) frames.push_back({FramePerson(poses, f)});
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), frames);
  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(25.0));
  EXPECT_EQ(read.layout(), KeypointLayout::kOpenPoseCoco18);
  for (int f = 0; f < 4; ++f) ExpectPersonEq(FramePerson(poses, f), read, f);

  KeypointReadOptions options = Fps(25.0);
  options.openpose_layout = KeypointLayout::kOpenPoseCoco18;
  EXPECT_EQ(ReadOpenPoseFolder(folder.path(), options).layout(), KeypointLayout::kOpenPoseCoco18);
  options.openpose_layout = KeypointLayout::kBody25;
  const std::string message =
      ErrorMessage<FormatError>([&] { ReadOpenPoseFolder(folder.path(), options); });
  EXPECT_CONTAINS(message, FrameFileName(0));
  EXPECT_CONTAINS(message, "54 values per person");
}

TEST(OpenPoseJsonTest, SortsFramesByTheirNumberAndIgnoresOtherFiles) {
  TemporaryFolder folder;
  // Unpadded numbers: text order would put 10 before 8.
  for (int f : {10, 8, 9, 11}) {
    Person person(25);
    person[0] = Keypoint{10.0 * f, 1.0, 0.9};
    WriteFile(folder.File("clip_" + std::to_string(f) + "_keypoints.json"),
              OpenPoseFrameJson({person}));
  }
  WriteFile(folder.File("notes.txt"), "not json");
  WriteFile(folder.File("params.json"), "{}");  // ignored: *_keypoints.json files exist
  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(30.0));
  ASSERT_EQ(read.num_frames(), 4);
  for (int f = 0; f < 4; ++f) EXPECT_EQ(read.at(f, 0).x, 10.0 * (f + 8));
}

TEST(OpenPoseJsonTest, FallsBackToAllJsonFilesInNaturalOrder) {
  TemporaryFolder folder;
  for (int f : {2, 0, 1}) {
    Person person(18);
    person[1] = Keypoint{1.0 + f, 2.0, 0.5};
    WriteFile(folder.File("frame" + std::to_string(f) + ".json"), OpenPoseFrameJson({person}));
  }
  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(10.0));
  EXPECT_EQ(read.layout(), KeypointLayout::kOpenPoseCoco18);
  ASSERT_EQ(read.num_frames(), 3);
  for (int f = 0; f < 3; ++f) EXPECT_EQ(read.at(f, 1).x, 1.0 + f);
  EXPECT_NEAR(read.timestamps_s[2], 0.2, 1e-12);
}

TEST(OpenPoseJsonTest, FrameWithNobodyIsAllMissing) {
  const PoseSequence poses = RandomPoses(KeypointLayout::kBody25, 3, 3);
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), {{FramePerson(poses, 0)}, {}, {FramePerson(poses, 2)}});
  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(30.0));
  ASSERT_EQ(read.num_frames(), 3);
  ExpectPersonEq(FramePerson(poses, 0), read, 0);
  for (int k = 0; k < read.num_keypoints(); ++k) EXPECT_TRUE(read.at(1, k).IsMissing());
  ExpectPersonEq(FramePerson(poses, 2), read, 2);
}

TEST(OpenPoseJsonTest, ParseOpenPoseFrameReturnsEveryPerson) {
  const std::string text = R"({"version":1.3,"people":[)"
                           R"({"person_id":[-1],"pose_keypoints_2d":[1,2,0.5, 0,0,0, 7.5,8.25,1]},)"
                           R"({"person_id":[-1],"pose_keypoints_2d":[3,4,0.25, 5,6,0, 0,0,0]}]})";
  const std::vector<Person> people = ParseOpenPoseFrame(text, "f.json");
  ASSERT_EQ(people.size(), 2u);
  ASSERT_EQ(people[0].size(), 3u);
  EXPECT_EQ(people[0][0].x, 1.0);
  EXPECT_EQ(people[0][0].confidence, 0.5);
  EXPECT_TRUE(people[0][1].IsMissing());
  EXPECT_EQ(people[0][2].y, 8.25);
  EXPECT_EQ(people[1][0].x, 3.0);
  EXPECT_TRUE(people[1][1].IsMissing());
  EXPECT_EQ(people[1][1].x, 0.0);  // confidence 0: the coordinates are dropped
  EXPECT_TRUE(ParseOpenPoseFrame(R"({"version":1.3,"people":[]})", "f.json").empty());
}

// --- Several people ------------------------------------------------------------------------------

// A BODY_25 person standing at (center_x, center_y), legs and arms swinging with `phase`.
Person SyntheticPerson(double center_x, double center_y, double scale, double phase,
                       double confidence, std::mt19937* rng) {
  // Rough BODY_25 positions relative to the mid-hip, for a 1.0-scale ~620 px tall person.
  static const double kTemplate[25][2] = {
      {0, -330}, {0, -260},   {-45, -255}, {-60, -160}, {-65, -70}, {45, -255}, {60, -160},
      {65, -70}, {0, 0},      {-25, 0},    {-30, 130},  {-30, 260}, {25, 0},    {30, 130},
      {30, 260}, {-10, -345}, {10, -345},  {-20, -335}, {20, -335}, {60, 285},  {50, 290},
      {15, 275}, {-60, 285},  {-50, 290},  {-15, 275}};
  std::normal_distribution<double> noise(0.0, 1.5);
  Person person(25);
  for (int k = 0; k < 25; ++k) {
    const bool right_leg = k == 10 || k == 11 || k == 22 || k == 23 || k == 24;
    const bool left_leg = k == 13 || k == 14 || k == 19 || k == 20 || k == 21;
    const bool arm = (k >= 3 && k <= 4) || (k >= 6 && k <= 7);
    double swing = 0.0;
    if (right_leg) swing = 70.0 * std::sin(phase);
    if (left_leg) swing = -70.0 * std::sin(phase);
    if (arm) swing = (k < 5 ? -40.0 : 40.0) * std::sin(phase);
    person[k] = Keypoint{center_x + scale * (kTemplate[k][0] + swing) + noise(*rng),
                         center_y + scale * kTemplate[k][1] + noise(*rng), confidence};
  }
  return person;
}

TEST(OpenPoseJsonTest, KeepsTheRunnerAmongABystanderAndASpuriousDetection) {
  std::mt19937 rng(5);
  const int num_frames = 60;
  std::vector<std::vector<Person>> frames(num_frames);
  std::vector<Person> runner(num_frames);
  for (int f = 0; f < num_frames; ++f) {
    const double phase = 2.0 * kPi * f / 20.0;  // a stride every 20 frames
    runner[f] = SyntheticPerson(360.0, 700.0, 1.0, phase, 0.7, &rng);
    runner[f][4].confidence = 0.0;                 // an undetected wrist
    const bool runner_visible = f < 50 || f > 52;  // OpenPose loses the runner for 3 frames
    // A bystander with higher confidence, standing to the right during frames 10 to 40; OpenPose
    // lists the people in no particular order.
    if (f >= 10 && f <= 40) {
      Person bystander = SyntheticPerson(640.0, 760.0, 0.8, 0.0, 0.95, &rng);
      frames[f].push_back(bystander);
    }
    if (runner_visible) {
      if (f % 3 == 0) {
        frames[f].insert(frames[f].begin(), runner[f]);
      } else {
        frames[f].push_back(runner[f]);
      }
    }
    // A spurious detection: a few points in the background in one frame, listed first.
    if (f == 20) {
      Person spurious(25);
      spurious[0] = Keypoint{100.0, 150.0, 0.4};
      spurious[1] = Keypoint{105.0, 190.0, 0.3};
      spurious[2] = Keypoint{90.0, 195.0, 0.35};
      frames[f].insert(frames[f].begin(), spurious);
    }
  }
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), frames);

  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(30.0));
  ASSERT_EQ(read.num_frames(), num_frames);
  for (int f = 0; f < num_frames; ++f) {
    SCOPED_TRACE("frame " + std::to_string(f));
    if (f >= 50 && f <= 52) {
      for (int k = 0; k < read.num_keypoints(); ++k) EXPECT_TRUE(read.at(f, k).IsMissing());
    } else {
      ExpectPersonEq(runner[f], read, f);
    }
  }
}

TEST(OpenPoseJsonTest, KeepsAFullyVisibleRunnerOverAPartlyVisibleBystanderPresentThroughout) {
  std::mt19937 rng(9);
  const int num_frames = 40;
  std::vector<std::vector<Person>> frames(num_frames);
  std::vector<Person> runner(num_frames);
  for (int f = 0; f < num_frames; ++f) {
    runner[f] = SyntheticPerson(300.0, 650.0, 1.0, 2.0 * kPi * f / 18.0, 0.8, &rng);
    // Only the upper body of the bystander is in the picture, with high confidence.
    Person bystander = SyntheticPerson(650.0, 900.0, 0.9, 0.0, 0.9, &rng);
    for (int k = 8; k < 25; ++k) bystander[k] = Keypoint{};
    for (int k = 15; k < 19; ++k) bystander[k] = SyntheticPerson(650, 900, 0.9, 0, 0.9, &rng)[k];
    frames[f] = f % 2 == 0 ? std::vector<Person>{bystander, runner[f]}
                           : std::vector<Person>{runner[f], bystander};
  }
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), frames);
  const PoseSequence read = ReadOpenPoseFolder(folder.path(), Fps(30.0));
  for (int f = 0; f < num_frames; ++f) {
    SCOPED_TRACE("frame " + std::to_string(f));
    ExpectPersonEq(runner[f], read, f);
  }
}

// --- Malformed input -----------------------------------------------------------------------------

// A folder with a valid frame 0 and `text` as frame 1; returns the expected error's message.
template <typename ErrorType>
std::string SecondFrameError(const std::string& text) {
  TemporaryFolder folder;
  Person person(25);
  person[0] = Keypoint{1.0, 2.0, 0.5};
  WriteFile(folder.File(FrameFileName(0)), OpenPoseFrameJson({person}));
  WriteFile(folder.File(FrameFileName(1)), text);
  return ErrorMessage<ErrorType>([&] { ReadOpenPoseFolder(folder.path(), Fps(30.0)); });
}

TEST(OpenPoseJsonTest, EmptyOrMissingFolderIsInputError) {
  TemporaryFolder folder;
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadOpenPoseFolder(folder.path(), Fps(30)); }),
                  folder.path() + ": no OpenPose");
  WriteFile(folder.File("readme.txt"), "no json here");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadOpenPoseFolder(folder.path(), Fps(30)); }),
                  folder.path());
  const std::string missing = folder.File("nope");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadOpenPoseFolder(missing, Fps(30)); }),
                  missing + ": no such folder");
  EXPECT_CONTAINS(
      ErrorMessage<InputError>([&] { ReadOpenPoseFolder(folder.File("readme.txt"), Fps(30)); }),
      "readme.txt: is not a folder");
}

TEST(OpenPoseJsonTest, FpsIsRequired) {
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), {{}});
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { ReadOpenPoseFolder(folder.path(), {}); }), "fps");
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { ReadKeypoints(folder.path()); }), "fps");
}

TEST(OpenPoseJsonTest, MalformedJsonIsFormatErrorNamingTheFile) {
  const std::string file = FrameFileName(1);
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"version":1.3,"people":[{"pose_keypoi)"),
                  file + ": malformed JSON");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(""), file + ": empty file");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[{"pose_keypoints_2d":[NaN,1,1]}]})"),
                  file + ": malformed JSON");
  EXPECT_CONTAINS(
      SecondFrameError<FormatError>(R"({"people":[{"pose_keypoints_2d":[1e999,1,1]}]})"),
      file + ": malformed JSON");
}

TEST(OpenPoseJsonTest, WrongTypesAreFormatErrorsNamingTheFileAndField) {
  const std::string file = FrameFileName(1);
  EXPECT_CONTAINS(SecondFrameError<FormatError>("[1, 2]"), file + ": the document is an array");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"version":1.3})"), file + ": no \"people\"");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":{}})"),
                  file + ": \"people\" is an object");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[3]})"), file + ": people[0] is a");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[{"pose_keypoints_2d":"abc"}]})"),
                  file + ": people[0].pose_keypoints_2d is a string");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[{"pose_keypoints_2d":[1,"2",1]}]})"),
                  file + ": people[0].pose_keypoints_2d[1] is a string");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[{"pose_keypoints_2d":[1,2]}]})"),
                  file + ": people[0].pose_keypoints_2d has 2 values, not a multiple of 3");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(R"({"people":[{"face_keypoints_2d":[]}]})"),
                  file + ": people[0] has no \"pose_keypoints_2d\"");
}

TEST(OpenPoseJsonTest, OutOfRangeValuesAreFormatErrors) {
  const std::string file = FrameFileName(1);
  auto frame_with = [](int point, double x, double confidence) {
    Json values = Json::array();
    for (int k = 0; k < 25; ++k) {
      values.push_back(k == point ? x : 1.0);
      values.push_back(1.0);
      values.push_back(k == point ? confidence : 0.5);
    }
    return Json({{"people", {{{"pose_keypoints_2d", values}}}}}).dump();
  };
  EXPECT_CONTAINS(SecondFrameError<FormatError>(frame_with(3, 1e9, 0.5)),
                  file + ": people[0] point 3: coordinate");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(frame_with(4, 1.0, 1.5)),
                  file + ": people[0] point 4: confidence 1.5");
  EXPECT_CONTAINS(SecondFrameError<FormatError>(frame_with(5, 1.0, -0.5)),
                  file + ": people[0] point 5: confidence -0.5");
}

TEST(OpenPoseJsonTest, UnsupportedPointCountsAreFormatErrorsNamingTheFile) {
  // COCO-17 is not an OpenPose output.
  Json values = Json::array();
  for (int i = 0; i < 51; ++i) values.push_back(1.0);
  TemporaryFolder folder;
  WriteFile(folder.File(FrameFileName(0)),
            Json({{"people", {{{"pose_keypoints_2d", values}}}}}).dump());
  const std::string message =
      ErrorMessage<FormatError>([&] { ReadOpenPoseFolder(folder.path(), Fps(30)); });
  EXPECT_CONTAINS(message, FrameFileName(0) + ": 51 values per person");
  EXPECT_CONTAINS(message, "75 (BODY_25) or 54 (COCO-18)");
  // A later file with another count than the first.
  EXPECT_CONTAINS(SecondFrameError<FormatError>(OpenPoseFrameJson({Person(18)})),
                  FrameFileName(1) + ": 54 values per person");
  // Two people of different sizes in one file.
  EXPECT_CONTAINS(SecondFrameError<FormatError>(OpenPoseFrameJson({Person(25), Person(18)})),
                  FrameFileName(1) +
                      ": people[1].pose_keypoints_2d has 54 values but people[0] "
                      "has 75");
}

TEST(OpenPoseJsonTest, MissingOrDuplicateFrameNumbersAreFormatErrors) {
  TemporaryFolder folder;
  WriteOpenPoseFrames(folder.path(), {{}, {}});
  WriteFile(folder.File(FrameFileName(3)), OpenPoseFrameJson({}));
  std::string message =
      ErrorMessage<FormatError>([&] { ReadOpenPoseFolder(folder.path(), Fps(30)); });
  EXPECT_CONTAINS(message, "missing between " + FrameFileName(1));
  EXPECT_CONTAINS(message, FrameFileName(3));
  WriteFile(folder.File(FrameFileName(2)), OpenPoseFrameJson({}));
  EXPECT_EQ(ReadOpenPoseFolder(folder.path(), Fps(30)).num_frames(), 4);
  WriteFile(folder.File("other_000000000002_keypoints.json"), OpenPoseFrameJson({}));
  message = ErrorMessage<FormatError>([&] { ReadOpenPoseFolder(folder.path(), Fps(30)); });
  EXPECT_CONTAINS(message, "both hold frame 2");
}

}  // namespace
}  // namespace gaitlens
