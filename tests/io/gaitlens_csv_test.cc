// Tests of the gaitlens CSV reader/writer and of the shared keypoint-file API (format names,
// KeypointReadOptions::Check, the ReadKeypoints dispatcher).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "test_util.h"

namespace gaitlens {
namespace {

namespace fs = std::filesystem;
using test::TemporaryFolder;
using test::WriteFile;

// The message of the ErrorType thrown by `function`; records a failure for no or another error.
using test::ErrorMessage;

// A random sequence with full-precision doubles, irregular timestamps and ~15% missing points.
PoseSequence RandomPoses(KeypointLayout layout, int num_frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> x(-50.0, 770.0);
  std::uniform_real_distribution<double> y(-50.0, 1330.0);
  std::uniform_real_distribution<double> confidence(1e-6, 1.0);
  std::uniform_real_distribution<double> interval(0.001, 0.1);
  std::bernoulli_distribution missing(0.15);
  PoseSequence poses(layout, num_frames);
  double t = std::uniform_real_distribution<double>(0.0, 5.0)(rng);
  for (int f = 0; f < num_frames; ++f) {
    poses.timestamps_s[f] = t;
    t += interval(rng);
    for (int k = 0; k < poses.num_keypoints(); ++k) {
      if (!missing(rng)) poses.at(f, k) = Keypoint{x(rng), y(rng), confidence(rng)};
    }
  }
  poses.at(0, 0).confidence = 1.0;
  poses.image_width = 720;
  poses.image_height = 1280;
  poses.source = "synth, seed " + std::to_string(seed);
  return poses;
}

void ExpectSamePoses(const PoseSequence& expected, const PoseSequence& actual) {
  ASSERT_EQ(expected.layout(), actual.layout());
  ASSERT_EQ(expected.num_frames(), actual.num_frames());
  EXPECT_EQ(expected.image_width, actual.image_width);
  EXPECT_EQ(expected.image_height, actual.image_height);
  EXPECT_EQ(expected.source, actual.source);
  for (int f = 0; f < expected.num_frames(); ++f) {
    ASSERT_EQ(expected.timestamps_s[f], actual.timestamps_s[f]) << "frame " << f;
    for (int k = 0; k < expected.num_keypoints(); ++k) {
      const Keypoint& e = expected.at(f, k);
      const Keypoint& a = actual.at(f, k);
      ASSERT_EQ(e.x, a.x) << "frame " << f << " keypoint " << k;
      ASSERT_EQ(e.y, a.y) << "frame " << f << " keypoint " << k;
      ASSERT_EQ(e.confidence, a.confidence) << "frame " << f << " keypoint " << k;
    }
  }
}

// The start of a valid coco17 file: lines 1 to 4; data rows start at line 5.
const std::string kHead =
    "# gaitlens keypoints v1\n"
    "# layout: coco17\n"
    "# image_size: 720x1280\n"
    "frame,timestamp_s,keypoint,x,y,confidence\n";

// Parses kHead + rows under the name "poses.csv" and returns the message of the expected error.
template <typename ErrorType>
std::string ParseError(const std::string& text) {
  return ErrorMessage<ErrorType>([&] { ParseGaitlensCsv(text, "poses.csv"); });
}

TEST(GaitlensCsvTest, WriteThenReadIsExactForEveryLayout) {
  TemporaryFolder folder;
  unsigned seed = 1;
  for (KeypointLayout layout : AllKeypointLayouts()) {
    SCOPED_TRACE(ToString(layout));
    const PoseSequence poses = RandomPoses(layout, 40, seed++);
    const std::string path = folder.File(std::string(ToString(layout)) + ".csv");
    WriteGaitlensCsv(poses, path);
    ExpectSamePoses(poses, ReadGaitlensCsv(path));
  }
}

TEST(GaitlensCsvTest, WriteThenReadKeepsExtremeButValidValues) {
  PoseSequence poses(KeypointLayout::kCoco17, 3);
  poses.timestamps_s = {0.0, 1e-300, 0.1 + 0.2};
  poses.at(0, 0) = Keypoint{1e6, -1e6, 1.0};
  poses.at(1, 1) = Keypoint{5e-324, -0.0, 5e-324};
  poses.at(2, 16) = Keypoint{1.0 / 3.0, 2.0 / 3.0, 0.1};
  poses.source = "extremes";
  TemporaryFolder folder;
  WriteGaitlensCsv(poses, folder.File("x.csv"));
  ExpectSamePoses(poses, ReadGaitlensCsv(folder.File("x.csv")));
}

TEST(GaitlensCsvTest, WritesTheDocumentedLayout) {
  PoseSequence poses(KeypointLayout::kCoco17, 2);
  poses.SetUniformTimestamps(4.0);
  poses.at(0, 0) = Keypoint{10.5, 20.25, 0.5};
  poses.at(1, 1) = Keypoint{7.0, 8.0, 0.0};  // missing: written as zeros
  poses.image_width = 640;
  poses.image_height = 480;
  poses.source = "movenet\nlightning";  // control characters become spaces
  TemporaryFolder folder;
  const std::string path = folder.File("sub/poses.csv");  // parent folder is created
  WriteGaitlensCsv(poses, path);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u + 2 * 17);
  EXPECT_EQ(lines[0], "# gaitlens keypoints v1");
  EXPECT_EQ(lines[1], "# layout: coco17");
  EXPECT_EQ(lines[2], "# image_size: 640x480");
  EXPECT_EQ(lines[3], "# source: movenet lightning");
  EXPECT_EQ(lines[4], "frame,timestamp_s,keypoint,x,y,confidence");
  EXPECT_EQ(lines[5], "0,0,nose,10.5,20.25,0.5");
  EXPECT_EQ(lines[6], "0,0,left_eye,0,0,0");
  EXPECT_EQ(lines[5 + 17 + 1], "1,0.25,left_eye,0,0,0");
}

TEST(GaitlensCsvTest, ParsesHandWrittenFileWithCommentsAnyRowOrderAndAbsentRows) {
  const std::string text =
      "\xEF\xBB\xBF# gaitlens keypoints v1\r\n"
      "# layout: coco17\r\n"
      "# a free comment\r\n"
      "# future_key: ignored\r\n"
      "\r\n"
      "frame,timestamp_s,keypoint,x,y,confidence\r\n"
      "1,0.04,left_hip, 300.5 ,800,0.9\r\n"
      "0,0,nose,100,200,0.75\r\n"
      "# a comment between rows\r\n"
      "0,0,left_eye,5,6,0\r\n"
      "1,0.04,nose,101,201,1\r\n";
  const PoseSequence poses = ParseGaitlensCsv(text, "hand.csv");
  EXPECT_EQ(poses.layout(), KeypointLayout::kCoco17);
  ASSERT_EQ(poses.num_frames(), 2);
  EXPECT_EQ(poses.timestamps_s, (std::vector<double>{0.0, 0.04}));
  EXPECT_EQ(poses.image_width, 0);
  EXPECT_EQ(poses.image_height, 0);
  EXPECT_EQ(poses.source, "hand.csv");  // no '# source:' line: the file name
  const KeypointLayoutInfo& info = poses.layout_info();
  EXPECT_EQ(poses.at(0, info.IndexOf("nose")).x, 100.0);
  EXPECT_EQ(poses.at(0, info.IndexOf("nose")).confidence, 0.75);
  EXPECT_EQ(poses.at(1, info.IndexOf("nose")).y, 201.0);
  EXPECT_EQ(poses.at(1, info.IndexOf("left_hip")).x, 300.5);
  // Written with confidence 0: missing, and its x, y are dropped.
  EXPECT_TRUE(poses.at(0, info.IndexOf("left_eye")).IsMissing());
  EXPECT_EQ(poses.at(0, info.IndexOf("left_eye")).x, 0.0);
  // No row at all: missing.
  EXPECT_TRUE(poses.at(0, info.IndexOf("left_hip")).IsMissing());
  EXPECT_TRUE(poses.at(1, info.IndexOf("right_ankle")).IsMissing());
}

TEST(GaitlensCsvTest, WriteReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  TemporaryFolder folder;
  const std::string path = folder.File("poses.csv");
  WriteFile(path, "old content");
  const PoseSequence poses = RandomPoses(KeypointLayout::kHalpe26, 5, 7);
  WriteGaitlensCsv(poses, path);
  ExpectSamePoses(poses, ReadGaitlensCsv(path));
  int num_files = 0;
  for (const auto& entry : fs::directory_iterator(folder.path())) {
    ++num_files;
    EXPECT_EQ(entry.path().filename(), "poses.csv");
  }
  EXPECT_EQ(num_files, 1);
}

TEST(GaitlensCsvTest, WriteRejectsSequencesThatCannotBeReadBack) {
  TemporaryFolder folder;
  const std::string path = folder.File("poses.csv");
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { WriteGaitlensCsv(PoseSequence(), path); }),
                  "no frames");
  PoseSequence not_increasing(KeypointLayout::kCoco17, 2);  // both timestamps 0
  EXPECT_CONTAINS(ErrorMessage<FormatError>([&] { WriteGaitlensCsv(not_increasing, path); }),
                  "poses.csv: frame 1");
  PoseSequence huge = RandomPoses(KeypointLayout::kCoco17, 2, 3);
  huge.at(1, 3) = Keypoint{1e9, 0.0, 0.5};
  EXPECT_CONTAINS(ErrorMessage<FormatError>([&] { WriteGaitlensCsv(huge, path); }), "frame 1");
  EXPECT_FALSE(fs::exists(path));
}

TEST(GaitlensCsvTest, MissingOrEmptyFileIsInputError) {
  TemporaryFolder folder;
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadGaitlensCsv(folder.File("none.csv")); }),
                  "none.csv");
  WriteFile(folder.File("empty.csv"), "");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadGaitlensCsv(folder.File("empty.csv")); }),
                  "empty.csv");
  EXPECT_CONTAINS(ParseError<InputError>(" \n\n"), "poses.csv: file is empty");
}

TEST(GaitlensCsvTest, HeaderOnlyFileIsInputError) {
  const std::string message = ParseError<InputError>(kHead);
  EXPECT_CONTAINS(message, "poses.csv");
  EXPECT_CONTAINS(message, "at least one frame");
  EXPECT_CONTAINS(ParseError<InputError>("# gaitlens keypoints v1\n# layout: coco17\n"),
                  "at least one frame");
}

TEST(GaitlensCsvTest, RejectsFilesThatAreNotGaitlensCsv) {
  EXPECT_CONTAINS(ParseError<FormatError>("frame,x,y\n0,1,2\n"), "poses.csv: line 1: expected");
  EXPECT_CONTAINS(ParseError<FormatError>("\n# gaitlens keypoints v2\n"),
                  "poses.csv: line 2: unsupported version");
}

TEST(GaitlensCsvTest, RejectsBadMetadata) {
  EXPECT_CONTAINS(ParseError<FormatError>("# gaitlens keypoints v1\n# layout: coco99\n"),
                  "poses.csv: line 2: unknown layout 'coco99'");
  EXPECT_CONTAINS(ParseError<FormatError>("# gaitlens keypoints v1\n"
                                          "frame,timestamp_s,keypoint,x,y,confidence\n"
                                          "0,0,nose,1,2,1\n"),
                  "poses.csv: line 2: no '# layout: <name>' line");
  EXPECT_CONTAINS(ParseError<FormatError>("# gaitlens keypoints v1\n# layout: coco17\n"
                                          "# image_size: 720 by 1280\n"),
                  "poses.csv: line 3: image_size");
  EXPECT_CONTAINS(ParseError<FormatError>("# gaitlens keypoints v1\n# layout: coco17\n"
                                          "# layout: halpe26\n"),
                  "poses.csv: line 3: second 'layout'");
  EXPECT_CONTAINS(ParseError<FormatError>("# gaitlens keypoints v1\n# layout: coco17\n"
                                          "frame,time,keypoint,x,y,confidence\n"),
                  "poses.csv: line 3: expected the header row");
}

TEST(GaitlensCsvTest, RejectsUnknownKeypointNameWithLine) {
  const std::string message =
      ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n0,0,left_heel,1,2,0.5\n");
  EXPECT_CONTAINS(message, "poses.csv: line 6: unknown keypoint 'left_heel' for layout coco17");
}

TEST(GaitlensCsvTest, QuotesFileContentInMessagesAsPrintableUtf8) {
  // Invalid UTF-8 and control characters become '?'; valid UTF-8 is kept; long text is cut.
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,n\xffse\x01,1,2,1\n"),
                  "line 5: unknown keypoint 'n?se?'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,h\xc3\xbc"
                                                  "fte,1,2,1\n"),
                  "unknown keypoint 'h\xc3\xbc"
                  "fte'");
  const std::string message =
      ParseError<FormatError>(kHead + "0,0," + std::string(5000, 'k') + ",1,2,1\n");
  EXPECT_LT(message.size(), 1000u);
  EXPECT_CONTAINS(message, "kkk...");
}

TEST(GaitlensCsvTest, RejectsNonNumericNanAndInfiniteValuesWithLine) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,abc,2,0.5\n"),
                  "poses.csv: line 5: x 'abc' is not a finite number");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n0,0,left_eye,1,nan,0.5\n"),
                  "poses.csv: line 6: y 'nan'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,inf\n"),
                  "poses.csv: line 5: confidence 'inf'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,-inf,nose,1,2,1\n"),
                  "poses.csv: line 5: timestamp_s");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,,1\n"), "poses.csv: line 5: y ''");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "x,0,nose,1,2,1\n"),
                  "poses.csv: line 5: frame 'x'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "-1,0,nose,1,2,1\n"),
                  "poses.csv: line 5: frame '-1'");
}

TEST(GaitlensCsvTest, RejectsOutOfRangeValuesWithLine) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1e9,2,0.5\n"),
                  "poses.csv: line 5: coordinate");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,1.5\n"),
                  "poses.csv: line 5: confidence 1.5 outside [0, 1]");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,-0.1\n"), "poses.csv: line 5");
}

TEST(GaitlensCsvTest, RejectsWrongColumnCountWithLine) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n0,0,left_eye,1,2\n"),
                  "poses.csv: line 6: expected 6 columns");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5,7\n"),
                  "poses.csv: line 5: expected 6 columns");
}

TEST(GaitlensCsvTest, RejectsDuplicateRowNamingBothLines) {
  const std::string message =
      ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n0,0,left_eye,1,2,0.5\n0,0,nose,3,4,0.5\n");
  EXPECT_CONTAINS(message, "poses.csv: line 7: frame 0, nose already given on line 5");
}

TEST(GaitlensCsvTest, RejectsMissingFrames) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n2,0.1,nose,1,2,0.5\n"),
                  "poses.csv: frame 1 has no rows");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "1,0,nose,1,2,0.5\n"),
                  "poses.csv: frame 0 has no rows");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n2000000000,1,nose,1,2,1\n"),
                  "line 6 is frame 2000000000");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "99999999999,0,nose,1,2,0.5\n"),
                  "poses.csv: line 5: frame '99999999999'");
}

TEST(GaitlensCsvTest, RejectsInconsistentOrDecreasingTimestamps) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0,nose,1,2,0.5\n0,0.01,left_eye,1,2,0.5\n"),
                  "poses.csv: line 6: frame 0 has timestamp 0.01 s here but 0 s on line 5");
  EXPECT_CONTAINS(ParseError<FormatError>(kHead + "0,0.5,nose,1,2,0.5\n1,0.5,nose,1,2,0.5\n"),
                  "poses.csv: line 6: frame 1: timestamp 0.5 s is not after frame 0");
}

// --- The shared API: format names, options, the dispatcher ------------------------------------

TEST(KeypointFilesTest, FormatNamesRoundTrip) {
  const std::vector<std::pair<KeypointFileFormat, std::string>> expected = {
      {KeypointFileFormat::kAuto, "auto"},
      {KeypointFileFormat::kGaitlensCsv, "gaitlens_csv"},
      {KeypointFileFormat::kOpenPoseJson, "openpose_json"},
      {KeypointFileFormat::kDeepLabCutCsv, "deeplabcut_csv"},
      {KeypointFileFormat::kPoseJson, "pose_json"},
  };
  for (const auto& [format, name] : expected) {
    EXPECT_EQ(ToString(format), name);
    EXPECT_EQ(KeypointFileFormatFromString(name), format);
  }
  const std::string message =
      ErrorMessage<OptionError>([] { KeypointFileFormatFromString("openpose"); });
  EXPECT_CONTAINS(message, "'openpose'");
  EXPECT_CONTAINS(message, "openpose_json");
}

TEST(KeypointFilesTest, OptionsCheckNamesTheBadField) {
  KeypointReadOptions options;
  EXPECT_NO_THROW(options.Check());
  options.fps = 10000.0;
  EXPECT_NO_THROW(options.Check());
  for (double fps : {-1.0, 10000.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    options.fps = fps;
    EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { options.Check(); }), "fps");
  }
  options = KeypointReadOptions();
  for (double likelihood : {-0.1, 1.01, std::nan("")}) {
    options.deeplabcut_min_likelihood = likelihood;
    EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { options.Check(); }),
                    "deeplabcut_min_likelihood");
  }
  options = KeypointReadOptions();
  options.openpose_layout = KeypointLayout::kCoco17;
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { options.Check(); }), "openpose_layout");
  options.openpose_layout = KeypointLayout::kOpenPoseCoco18;
  EXPECT_NO_THROW(options.Check());
  options.format = static_cast<KeypointFileFormat>(42);
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { options.Check(); }), "format");
}

TEST(KeypointFilesTest, ReadKeypointsDetectsGaitlensCsv) {
  TemporaryFolder folder;
  const PoseSequence poses = RandomPoses(KeypointLayout::kBody25, 10, 11);
  const std::string path = folder.File("poses.CSV");
  WriteGaitlensCsv(poses, path);
  ExpectSamePoses(poses, ReadKeypoints(path));
  KeypointReadOptions options;
  options.format = KeypointFileFormat::kGaitlensCsv;
  options.fps = 99.0;  // ignored: the file has timestamps
  ExpectSamePoses(poses, ReadKeypoints(path, options));
}

TEST(KeypointFilesTest, ReadKeypointsRejectsUnknownExtensionsAndMissingPaths) {
  TemporaryFolder folder;
  WriteFile(folder.File("poses.txt"), "hello");
  const std::string message =
      ErrorMessage<FormatError>([&] { ReadKeypoints(folder.File("poses.txt")); });
  EXPECT_CONTAINS(message, "poses.txt");
  EXPECT_CONTAINS(message, "supported");
  EXPECT_CONTAINS(ErrorMessage<InputError>([&] { ReadKeypoints(folder.File("nothing.csv")); }),
                  "nothing.csv");
  KeypointReadOptions options;
  options.fps = -3;
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { ReadKeypoints(folder.File("x.csv"), options); }),
                  "fps");
}

}  // namespace
}  // namespace gaitlens
