// Tests of the DeepLabCut CSV reader.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "test_util.h"

namespace gaitlens {
namespace {

using test::TemporaryFolder;
using test::WriteFile;

using test::ErrorMessage;

using test::Fps;

std::string Number(double value) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

// --- A test-local DeepLabCut writer --------------------------------------------------------------

// One body part column group: its DLC name and the canonical point it holds (-1: a part gaitlens
// ignores, filled with random numbers).
struct Part {
  std::string name;
  int canonical;
};

// Writes `poses` (canonical layout) as DeepLabCut does. Missing points are written as empty cells
// (or "NaN" when nan_for_missing) with likelihood 0. `individuals` > 0 adds the multi-animal row
// with that many animals; animals after the first get `other` values.
std::string DeepLabCutCsv(const PoseSequence& poses, const std::vector<Part>& parts,
                          bool nan_for_missing = false, int individuals = 0,
                          const PoseSequence* other = nullptr) {
  const int num_animals = individuals > 0 ? individuals : 1;
  const std::string scorer = "DLC_resnet50_treadmillJan1shuffle1_500000";
  std::string out = "scorer";
  for (int a = 0; a < num_animals; ++a) {
    for (std::size_t p = 0; p < parts.size() * 3; ++p) out += "," + scorer;
  }
  if (individuals > 0) {
    out += "\nindividuals";
    for (int a = 0; a < num_animals; ++a) {
      for (std::size_t p = 0; p < parts.size() * 3; ++p) out += ",runner" + std::to_string(a + 1);
    }
  }
  out += "\nbodyparts";
  for (int a = 0; a < num_animals; ++a) {
    for (const Part& part : parts) out += "," + part.name + "," + part.name + "," + part.name;
  }
  out += "\ncoords";
  for (int a = 0; a < num_animals; ++a) {
    for (std::size_t p = 0; p < parts.size(); ++p) out += ",x,y,likelihood";
  }
  out += "\n";
  for (int f = 0; f < poses.num_frames(); ++f) {
    out += std::to_string(f);
    for (int a = 0; a < num_animals; ++a) {
      const PoseSequence& source = a == 0 || other == nullptr ? poses : *other;
      for (const Part& part : parts) {
        Keypoint point{12.5, 34.25, 0.5};  // a body part gaitlens does not know
        if (part.canonical >= 0) point = source.at(f, part.canonical);
        if (point.IsMissing()) {
          out += nan_for_missing ? ",NaN,NaN,0" : ",,,0";
        } else {
          out += "," + Number(point.x) + "," + Number(point.y) + "," + Number(point.confidence);
        }
      }
    }
    out += "\n";
  }
  return out;
}

const std::vector<Part> kParts = {
    {"LHip", 0},    {"RHip", 1},       {"LKnee", 2},           {"RKnee", 3}, {"tailbase", -1},
    {"LAnkle", 4},  {"RAnkle", 5},     {"LHeel", 6},           {"RHeel", 7}, {"LBigToe", 8},
    {"RBigToe", 9}, {"LShoulder", 12}, {"right_shoulder", 13}, {"Nose", 18},
};

PoseSequence RandomCanonicalPoses(int num_frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> x(0.0, 720.0);
  std::uniform_real_distribution<double> y(0.0, 1280.0);
  std::uniform_real_distribution<double> likelihood(0.001, 1.0);
  std::bernoulli_distribution missing(0.2);
  PoseSequence poses(KeypointLayout::kCanonical, num_frames);
  for (int f = 0; f < num_frames; ++f) {
    for (const Part& part : kParts) {
      if (part.canonical >= 0 && !missing(rng)) {
        poses.at(f, part.canonical) = Keypoint{x(rng), y(rng), likelihood(rng)};
      }
    }
  }
  return poses;
}

void ExpectSamePoints(const PoseSequence& expected, const PoseSequence& actual,
                      double min_likelihood = 0.0) {
  ASSERT_EQ(actual.layout(), KeypointLayout::kCanonical);
  ASSERT_EQ(expected.num_frames(), actual.num_frames());
  for (int f = 0; f < expected.num_frames(); ++f) {
    for (int k = 0; k < expected.num_keypoints(); ++k) {
      const Keypoint& e = expected.at(f, k);
      const Keypoint& a = actual.at(f, k);
      if (e.IsMissing() || e.confidence < min_likelihood) {
        ASSERT_TRUE(a.IsMissing()) << "frame " << f << " keypoint " << k;
        ASSERT_EQ(a.x, 0.0);
        ASSERT_EQ(a.y, 0.0);
        continue;
      }
      ASSERT_NEAR(e.x, a.x, 1e-9) << "frame " << f << " keypoint " << k;
      ASSERT_NEAR(e.y, a.y, 1e-9) << "frame " << f << " keypoint " << k;
      ASSERT_NEAR(e.confidence, a.confidence, 1e-9) << "frame " << f << " keypoint " << k;
    }
  }
}

// --- Known content -------------------------------------------------------------------------------

TEST(DeepLabCutCsvTest, ReadsSingleAnimalFileMappingBodyPartsByName) {
  const PoseSequence poses = RandomCanonicalPoses(50, 1);
  for (bool nan_for_missing : {false, true}) {
    SCOPED_TRACE(nan_for_missing ? "NaN for missing" : "empty cells for missing");
    TemporaryFolder folder;
    const std::string path = folder.File("runDLC_resnet50.csv");
    WriteFile(path, DeepLabCutCsv(poses, kParts, nan_for_missing));
    const PoseSequence read = ReadDeepLabCutCsv(path, Fps(25.0));
    ExpectSamePoints(poses, read);
    EXPECT_EQ(read.source, path);
    EXPECT_NEAR(read.timestamps_s[49], 49 / 25.0, 1e-12);
    // Canonical points the file lacks are missing.
    for (int f = 0; f < read.num_frames(); ++f) {
      EXPECT_TRUE(read.at(f, static_cast<int>(CanonicalKeypoint::kLeftEar)).IsMissing());
    }
  }
}

TEST(DeepLabCutCsvTest, ReadKeypointsRecognizesDeepLabCutByItsHeader) {
  const PoseSequence poses = RandomCanonicalPoses(5, 2);
  TemporaryFolder folder;
  const std::string path = folder.File("video.csv");
  WriteFile(path, DeepLabCutCsv(poses, kParts));
  ExpectSamePoints(poses, ReadKeypoints(path, Fps(60.0)));
}

TEST(DeepLabCutCsvTest, MultiAnimalFileReadsTheFirstIndividual) {
  const PoseSequence runner = RandomCanonicalPoses(12, 3);
  const PoseSequence other = RandomCanonicalPoses(12, 4);
  const std::string text = DeepLabCutCsv(runner, kParts, false, 2, &other);
  ExpectSamePoints(runner, ParseDeepLabCutCsv(text, "ma.csv", Fps(30.0)));
}

TEST(DeepLabCutCsvTest, LikelihoodBelowTheThresholdIsMissing) {
  const PoseSequence poses = RandomCanonicalPoses(30, 5);
  KeypointReadOptions options = Fps(30.0);
  options.deeplabcut_min_likelihood = 0.6;
  ExpectSamePoints(poses, ParseDeepLabCutCsv(DeepLabCutCsv(poses, kParts), "t.csv", options), 0.6);
}

TEST(DeepLabCutCsvTest, ParsesHandWrittenFile) {
  const std::string text =
      "\xEF\xBB\xBFscorer,DLC,DLC,DLC,DLC,DLC,DLC\r\n"
      "bodyparts,l_knee,l_knee,l_knee,RHeel,RHeel,RHeel\r\n"
      "coords,x,y,likelihood,x,y,likelihood\r\n"
      "0,10.5,20,0.9,,,\r\n"
      "1,11,21,0.8,nan,nan,nan\r\n"
      "2,12,,0.7,30,40,0\r\n"
      "\r\n";
  const PoseSequence poses = ParseDeepLabCutCsv(text, "hand.csv", Fps(10.0));
  ASSERT_EQ(poses.num_frames(), 3);
  const int knee = static_cast<int>(CanonicalKeypoint::kLeftKnee);
  const int heel = static_cast<int>(CanonicalKeypoint::kRightHeel);
  EXPECT_EQ(poses.at(0, knee).x, 10.5);
  EXPECT_EQ(poses.at(0, knee).confidence, 0.9);
  EXPECT_EQ(poses.at(1, knee).y, 21.0);
  EXPECT_TRUE(poses.at(2, knee).IsMissing());  // empty y
  EXPECT_TRUE(poses.at(0, heel).IsMissing());  // empty cells
  EXPECT_TRUE(poses.at(1, heel).IsMissing());  // NaN coordinates
  EXPECT_TRUE(poses.at(2, heel).IsMissing());  // likelihood 0
  EXPECT_EQ(poses.at(2, heel).x, 0.0);
  EXPECT_NEAR(poses.timestamps_s[2], 0.2, 1e-12);
}

// --- Malformed input -----------------------------------------------------------------------------

const std::string kHeader =
    "scorer,DLC,DLC,DLC,DLC,DLC,DLC\n"
    "bodyparts,LHip,LHip,LHip,RKnee,RKnee,RKnee\n"
    "coords,x,y,likelihood,x,y,likelihood\n";

template <typename ErrorType>
std::string ParseError(const std::string& text, double fps = 30.0) {
  return ErrorMessage<ErrorType>([&] { ParseDeepLabCutCsv(text, "dlc.csv", Fps(fps)); });
}

TEST(DeepLabCutCsvTest, EmptyOrHeaderOnlyFileIsInputError) {
  TemporaryFolder folder;
  WriteFile(folder.File("empty.csv"), "");
  EXPECT_CONTAINS(
      ErrorMessage<InputError>([&] { ReadDeepLabCutCsv(folder.File("empty.csv"), Fps(30)); }),
      "empty.csv");
  EXPECT_CONTAINS(ParseError<InputError>("\n \n"), "dlc.csv: file is empty");
  EXPECT_CONTAINS(ParseError<InputError>(kHeader), "dlc.csv: no frames");
}

TEST(DeepLabCutCsvTest, FpsIsRequired) {
  EXPECT_CONTAINS(ParseError<OptionError>(kHeader + "0,1,2,0.5,3,4,0.5\n", 0.0), "fps");
  TemporaryFolder folder;
  WriteFile(folder.File("a.csv"), kHeader + "0,1,2,0.5,3,4,0.5\n");
  EXPECT_CONTAINS(ErrorMessage<OptionError>([&] { ReadKeypoints(folder.File("a.csv")); }), "fps");
}

TEST(DeepLabCutCsvTest, NoKnownBodyPartIsFormatErrorListingTheNames) {
  const std::string message = ParseError<FormatError>(
      "scorer,DLC,DLC,DLC,DLC,DLC,DLC\n"
      "bodyparts,snout,snout,snout,tailbase,tailbase,tailbase\n"
      "coords,x,y,likelihood,x,y,likelihood\n"
      "0,1,2,0.5,3,4,0.5\n");
  EXPECT_CONTAINS(message, "dlc.csv: line 2: none of the body parts (snout, tailbase)");
}

TEST(DeepLabCutCsvTest, TwoBodyPartsForOnePointIsFormatError) {
  const std::string message = ParseError<FormatError>(
      "scorer,DLC,DLC,DLC,DLC,DLC,DLC\n"
      "bodyparts,LHip,LHip,LHip,left_hip,left_hip,left_hip\n"
      "coords,x,y,likelihood,x,y,likelihood\n"
      "0,1,2,0.5,3,4,0.5\n");
  EXPECT_CONTAINS(message, "dlc.csv: line 2: body parts 'LHip' and 'left_hip' both mean left_hip");
}

TEST(DeepLabCutCsvTest, BadHeaderRowsAreFormatErrorsWithLine) {
  EXPECT_CONTAINS(ParseError<FormatError>("frame,x,y\n0,1,2\n"),
                  "dlc.csv: line 1: expected the DeepLabCut header row starting with 'scorer'");
  EXPECT_CONTAINS(ParseError<FormatError>("scorer,DLC,DLC,DLC\n"),
                  "dlc.csv: line 2: the file ends after the 'scorer' row");
  EXPECT_CONTAINS(ParseError<FormatError>("scorer,DLC,DLC,DLC\nbodyparts,LHip,LHip,LHip\n"),
                  "dlc.csv: line 3: the file ends before the 'coords' header row");
  EXPECT_CONTAINS(ParseError<FormatError>("scorer,DLC,DLC,DLC\nbodyparts,LHip,LHip\n"),
                  "dlc.csv: line 2: 'bodyparts' row has 3 columns");
  EXPECT_CONTAINS(
      ParseError<FormatError>("scorer,DLC,DLC,DLC\nbodyparts,LHip,LHip,LHip\ncoords,x,y,z\n"),
      "dlc.csv: line 3: columns 2 to 4 are 'x,y,z'");
  EXPECT_CONTAINS(
      ParseError<FormatError>("scorer,DLC,DLC\nbodyparts,LHip,LHip\ncoords,x,y\n0,1,2\n"),
      "dlc.csv: line 3: 3 columns");
  EXPECT_CONTAINS(ParseError<FormatError>(
                      "scorer,DLC,DLC,DLC\nbodyparts,LHip,LHip,RHip\ncoords,x,y,likelihood\n"),
                  "dlc.csv: line 2: columns 2 to 4 name different body parts");
}

TEST(DeepLabCutCsvTest, BadValuesAreFormatErrorsWithLine) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,3,4,0.5\n1,1,2,nan,3,4,0.5\n"),
                  "dlc.csv: line 5: LHip likelihood 'nan'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,,3,4,0.5\n"),
                  "dlc.csv: line 4: LHip likelihood ''");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,1.5,3,4,0.5\n"),
                  "dlc.csv: line 4: LHip likelihood '1.5' is not a number in [0, 1]");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,abc,4,0.5\n"),
                  "dlc.csv: line 4: RKnee x 'abc' is not a finite number");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,-inf,0.5,3,4,0.5\n"),
                  "dlc.csv: line 4: LHip y '-inf'");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,3,4,0.5\n1,1e9,2,0.5,3,4,0.5\n"),
                  "dlc.csv: line 5: LHip coordinate");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,3,4,0.5\n1,1,2,0.5,3,4\n"),
                  "dlc.csv: line 5: 6 columns, but the header rows have 7");
}

TEST(DeepLabCutCsvTest, FrameIndicesMustBeConsecutiveIntegers) {
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,3,4,0.5\n2,1,2,0.5,3,4,0.5\n"),
                  "dlc.csv: line 5: frame index 2 where 1 was expected");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "0,1,2,0.5,3,4,0.5\n0,1,2,0.5,3,4,0.5\n"),
                  "dlc.csv: line 5: frame index 0 where 1 was expected");
  EXPECT_CONTAINS(ParseError<FormatError>(kHeader + "img001.png,1,2,0.5,3,4,0.5\n"),
                  "dlc.csv: line 4: frame index 'img001.png'");
}

}  // namespace
}  // namespace gaitlens
