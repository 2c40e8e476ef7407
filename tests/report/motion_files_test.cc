// The fitted motion's CSV and JSON files, read back against the FittedMotion they came from.
#include "gaitlens/report/motion_files.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/synth/synthesizer.h"
#include "io/text_util.h"
#include "synth_sweep.h"
#include "test_util.h"

namespace gaitlens {
namespace {

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  const std::string text = internal::ReadFileToString(path);
  for (std::string_view line : internal::SplitLines(text)) {
    if (line.empty()) continue;
    // SplitCsvLine keeps empty fields, which are what this file writes for NaN.
    rows.push_back(internal::SplitCsvLine(line));
  }
  return rows;
}

double Field(const std::vector<std::string>& row, const std::vector<std::string>& header,
             const std::string& column) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] != column) continue;
    double value = std::nan("");
    if (!row.at(i).empty()) {
      EXPECT_TRUE(internal::ParseDouble(row[i], &value)) << column << " " << row[i];
    }
    return value;
  }
  ADD_FAILURE() << "no column " << column;
  return std::nan("");
}

void ExpectSame(double written, double value, double tolerance, const std::string& what) {
  if (std::isnan(value)) {
    EXPECT_TRUE(std::isnan(written)) << what << " should be an empty field";
  } else {
    EXPECT_NEAR(written, value, tolerance) << what;
  }
}

class MotionFiles : public ::testing::TestWithParam<View> {};

TEST_P(MotionFiles, CsvAndSummaryHoldTheFit) {
  test::SynthCase c{GetParam(), false, 60, "harsh"};
  const synth::SynthResult r = synth::Generate(c.Options(4.0, 3));
  const FittedMotion m = FitLegModel(r.poses);
  ASSERT_EQ(m.view, GetParam());
  test::TemporaryFolder folder;
  WriteFittedMotionCsv(m, folder.File("m.csv"));
  WriteFittedMotionSummary(m, folder.File("m.json"), "clip.csv");

  const auto rows = ReadCsv(folder.File("m.csv"));
  const int n = r.poses.num_frames();
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(2 * n + 1));
  const std::vector<std::string>& header = rows[0];
  EXPECT_EQ(header.size(), 27u);
  for (std::size_t i = 1; i < rows.size(); ++i) ASSERT_EQ(rows[i].size(), header.size()) << i;
  for (int f : {0, n / 3, n - 1}) {
    for (int leg = 0; leg < 2; ++leg) {
      const std::vector<std::string>& row = rows[1 + 2 * f + leg];
      EXPECT_EQ(row[2], leg == 0 ? "left" : "right");
      EXPECT_NEAR(Field(row, header, "time_s"), m.timestamps_s[f], 1e-6);
      // A point the model has not got (the rear view's feet) is an empty field.
      const auto point = [&](int k, bool x) {
        const Keypoint& p = m.keypoints.at(f, k);
        return p.IsMissing() ? std::nan("") : x ? p.x : p.y;
      };
      ExpectSame(Field(row, header, "knee_x"), point(2 + leg, true), 1e-4, "knee x");
      ExpectSame(Field(row, header, "toe_y"), point(8 + leg, false), 1e-4, "toe y");
      ExpectSame(Field(row, header, "knee_flexion_deg"), m.knee_flexion_deg[f][leg], 1e-4, "knee");
      ExpectSame(Field(row, header, "fppa_deg"), m.fppa_deg[f][leg], 1e-4, "fppa");
      ExpectSame(Field(row, header, "fppa_sd_deg"), m.fppa_sd_deg[f][leg], 1e-4, "fppa sd");
      ExpectSame(Field(row, header, "pelvis_obliquity_deg"), m.pelvis_obliquity_deg[f], 1e-4,
                 "obliquity");
      ExpectSame(Field(row, header, "pelvis_obliquity_sd_deg"), m.pelvis_obliquity_sd_deg[f], 1e-4,
                 "obliquity sd");
      EXPECT_EQ(Field(row, header, "relabelled"), m.relabelled[f] ? 1 : 0);
      EXPECT_EQ(Field(row, header, "filled"), m.filled[f][leg] ? 1 : 0);
      EXPECT_NEAR(Field(row, header, "residual_px"), m.residual_px[f], 1e-4);
    }
  }
  // The view's own angle is there, the other view's is an empty field.
  const std::vector<std::string>& middle = rows[1 + n];
  EXPECT_EQ(std::isnan(Field(middle, header, "fppa_deg")), GetParam() == View::kSide);
  EXPECT_EQ(std::isnan(Field(middle, header, "fppa_sd_deg")), GetParam() == View::kSide);

  const nlohmann::json j = nlohmann::json::parse(internal::ReadFileToString(folder.File("m.json")));
  EXPECT_EQ(j["source"], "clip.csv");
  EXPECT_EQ(j["view"], ToString(GetParam()));
  EXPECT_EQ(j["frames"], n);
  int relabelled = 0;
  for (bool b : m.relabelled) relabelled += b ? 1 : 0;
  EXPECT_GT(relabelled, 0);  // harsh noise swaps legs
  EXPECT_EQ(j["relabelled_frames"], relabelled);
  int in_runs = 0;
  for (const auto& run : j["relabelled_runs"]) {
    const int first = run[0], last = run[1];
    ASSERT_LE(first, last);
    for (int f = first; f <= last; ++f) EXPECT_TRUE(m.relabelled[f]) << f;
    in_runs += last - first + 1;
  }
  EXPECT_EQ(in_runs, relabelled);
  EXPECT_NEAR(j["segment_lengths_px"]["thigh"].get<double>(), m.lengths.thigh_px, 1e-9);
  EXPECT_EQ(j["solver"]["usable"], m.summary.usable);
  EXPECT_EQ(j["solver"]["brief_report"], m.summary.BriefReport());
  const double median = j["residual_px"]["median"], p95 = j["residual_px"]["p95"];
  EXPECT_GT(median, 0);
  EXPECT_GE(p95, median);
}

INSTANTIATE_TEST_SUITE_P(Views, MotionFiles, ::testing::Values(View::kSide, View::kRear),
                         [](const auto& test_info) {
                           return std::string(ToString(test_info.param));
                         });

TEST(MotionFiles, AnUnwritableFolderIsAnInputError) {
  const synth::SynthResult r = synth::Generate(test::SynthCase{}.Options(2.0, 3));
  const FittedMotion m = FitLegModel(r.poses);
  test::TemporaryFolder folder;
  test::WriteFile(folder.File("file"), "x");
  const std::string message = test::ErrorMessage<InputError>(
      [&] { WriteFittedMotionCsv(m, folder.File("file") + "/m.csv"); });
  EXPECT_NE(message.find("m.csv"), std::string::npos) << message;
}

}  // namespace
}  // namespace gaitlens
