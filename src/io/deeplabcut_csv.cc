// DeepLabCut tracking CSV (see docs/formats.md, "DeepLabCut CSV"):
//
//   scorer,DLC_resnet50_runJan1shuffle1_100000,DLC_resnet50_runJan1shuffle1_100000,...
//   bodyparts,LHip,LHip,LHip,RHip,...
//   coords,x,y,likelihood,x,y,...
//   0,312.5,870.25,0.998,...
//
// Multi-animal files have an "individuals" row between "scorer" and "bodyparts"; the first
// individual is read.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "io/text_util.h"

namespace gaitlens {
namespace {

constexpr double kMaxAbsCoordinate = 1e6;  // pixels, as in PoseSequence::Validate

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}


bool ParseFrameIndex(std::string_view field, long long* value) {
  if (field.empty() || field.size() > 12) return false;
  for (char c : field) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), *value);
  return error == std::errc() && end == field.data() + field.size();
}

// One body part of the selected individual that maps to a canonical point.
struct MappedPart {
  std::string name;   // for messages
  int column = 0;     // column of its x; y and likelihood follow
  int canonical = 0;  // CanonicalKeypoint index
};

class DeepLabCutParser {
 public:
  DeepLabCutParser(const std::string& name, const KeypointReadOptions& options)
      : name_(name), options_(options) {}

  PoseSequence Parse(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
    const std::vector<std::string_view> lines = internal::SplitLines(text);
    std::size_t i = 0;
    while (i < lines.size() && IsBlank(lines[i])) ++i;
    GAITLENS_CHECK_INPUT(i < lines.size(), InputError, name_, ": file is empty");

    HeaderRow(lines, i++, "scorer");
    std::vector<std::string> individuals;
    GAITLENS_CHECK_INPUT(i < lines.size(), FormatError, name_, ": line ", i + 1,
                         ": the file ends after the 'scorer' row");
    if (internal::SplitCsvLine(lines[i]).front() == "individuals") {
      individuals = HeaderRow(lines, i++, "individuals");
    }
    const std::vector<std::string> bodyparts = HeaderRow(lines, i++, "bodyparts");
    const std::vector<std::string> coords = HeaderRow(lines, i++, "coords");
    const int coords_line = static_cast<int>(i);
    CheckHeaderShape(individuals, bodyparts, coords, coords_line);
    MapBodyParts(individuals, bodyparts, coords_line);

    std::vector<std::vector<std::string>> rows;
    std::vector<int> row_lines;
    for (; i < lines.size(); ++i) {
      if (IsBlank(lines[i])) continue;
      rows.push_back(internal::SplitCsvLine(lines[i]));
      row_lines.push_back(static_cast<int>(i) + 1);
      GAITLENS_CHECK_INPUT(rows.back().size() == num_columns_, FormatError, name_, ": line ",
                           row_lines.back(), ": ", rows.back().size(), " columns, but the header ",
                           "rows have ", num_columns_);
    }
    GAITLENS_CHECK_INPUT(!rows.empty(), InputError, name_,
                         ": no frames after the header rows (line ", coords_line,
                         "); a keypoint file needs at least one frame");

    PoseSequence poses(KeypointLayout::kCanonical, static_cast<int>(rows.size()));
    long long first_index = 0;
    for (std::size_t f = 0; f < rows.size(); ++f) {
      const int line = row_lines[f];
      long long index = 0;
      GAITLENS_CHECK_INPUT(ParseFrameIndex(rows[f][0], &index), FormatError, name_, ": line ", line,
                           ": frame index '", internal::Excerpt(rows[f][0]),
                           "' is not a non-negative integer");
      if (f == 0) first_index = index;
      GAITLENS_CHECK_INPUT(index == first_index + static_cast<long long>(f), FormatError, name_,
                           ": line ", line, ": frame index ", index, " where ",
                           first_index + static_cast<long long>(f),
                           " was expected (frames must be consecutive)");
      for (const MappedPart& part : parts_) {
        poses.at(static_cast<int>(f), part.canonical) = ParsePoint(rows[f], part, line);
      }
    }
    poses.SetUniformTimestamps(options_.fps);
    poses.source = name_;
    poses.Validate(name_);
    return poses;
  }

 private:
  // The CSV fields of header line `index`, which must start with `label`.
  std::vector<std::string> HeaderRow(const std::vector<std::string_view>& lines, std::size_t index,
                                     const char* label) {
    GAITLENS_CHECK_INPUT(index < lines.size(), FormatError, name_, ": line ", index + 1,
                         ": the file ends before the '", label, "' header row");
    std::vector<std::string> fields = internal::SplitCsvLine(lines[index]);
    GAITLENS_CHECK_INPUT(fields.front() == label, FormatError, name_, ": line ", index + 1,
                         ": expected the DeepLabCut header row starting with '", label, "', got '",
                         internal::Excerpt(lines[index]), "'");
    if (!num_columns_set_) {
      num_columns_ = fields.size();
      num_columns_set_ = true;
    }
    GAITLENS_CHECK_INPUT(fields.size() == num_columns_, FormatError, name_, ": line ", index + 1,
                         ": '", label, "' row has ", fields.size(), " columns but the 'scorer' ",
                         "row has ", num_columns_);
    return fields;
  }

  void CheckHeaderShape(const std::vector<std::string>& individuals,
                        const std::vector<std::string>& bodyparts,
                        const std::vector<std::string>& coords, int coords_line) const {
    GAITLENS_CHECK_INPUT(num_columns_ >= 4 && (num_columns_ - 1) % 3 == 0, FormatError, name_,
                         ": line ", coords_line, ": ", num_columns_, " columns; expected the ",
                         "frame index and then x, y, likelihood per body part");
    for (std::size_t c = 1; c < num_columns_; c += 3) {
      GAITLENS_CHECK_INPUT(
          coords[c] == "x" && coords[c + 1] == "y" && coords[c + 2] == "likelihood", FormatError,
          name_, ": line ", coords_line, ": columns ", c + 1, " to ", c + 3, " are '",
          internal::Excerpt(coords[c]), ",", internal::Excerpt(coords[c + 1]), ",", internal::Excerpt(coords[c + 2]),
          "', expected 'x,y,likelihood'");
      GAITLENS_CHECK_INPUT(bodyparts[c] == bodyparts[c + 1] && bodyparts[c] == bodyparts[c + 2],
                           FormatError, name_, ": line ", coords_line - 1, ": columns ", c + 1,
                           " to ", c + 3, " name different body parts");
      GAITLENS_CHECK_INPUT(individuals.empty() || (individuals[c] == individuals[c + 1] &&
                                                   individuals[c] == individuals[c + 2]),
                           FormatError, name_, ": line ", coords_line - 2, ": columns ", c + 1,
                           " to ", c + 3, " name different individuals");
    }
  }

  void MapBodyParts(const std::vector<std::string>& individuals,
                    const std::vector<std::string>& bodyparts, int coords_line) {
    std::vector<int> column_of_canonical(kNumCanonicalKeypoints, -1);
    std::string found;
    for (std::size_t c = 1; c < num_columns_; c += 3) {
      if (!individuals.empty() && individuals[c] != individuals[1]) continue;
      if (!found.empty()) found += ", ";
      found += internal::Excerpt(bodyparts[c]);
      const int canonical = CanonicalIndexFromAlias(bodyparts[c]);
      if (canonical < 0) continue;  // a body part gaitlens does not use (tail, snout, ...)
      const int previous = column_of_canonical[canonical];
      GAITLENS_CHECK_INPUT(previous < 0, FormatError, name_, ": line ", coords_line - 1,
                           ": body parts '", internal::Excerpt(bodyparts[previous]), "' and '",
                           internal::Excerpt(bodyparts[c]), "' both mean ",
                           ToString(static_cast<CanonicalKeypoint>(canonical)));
      column_of_canonical[canonical] = static_cast<int>(c);
      parts_.push_back(MappedPart{internal::Excerpt(bodyparts[c]), static_cast<int>(c), canonical});
    }
    GAITLENS_CHECK_INPUT(!parts_.empty(), FormatError, name_, ": line ", coords_line - 1,
                         ": none of the body parts (", found, ") is a known keypoint name; use ",
                         "names like LHip, RKnee, left_ankle, r_heel, LBigToe");
  }

  Keypoint ParsePoint(const std::vector<std::string>& row, const MappedPart& part, int line) const {
    const std::string& x_text = row[part.column];
    const std::string& y_text = row[part.column + 1];
    const std::string& likelihood_text = row[part.column + 2];
    if (x_text.empty() || y_text.empty()) return Keypoint{};  // DLC leaves missing points empty
    auto parse_coordinate = [&](const std::string& text, const char* axis) {
      double value = 0.0;
      GAITLENS_CHECK_INPUT(internal::ParseDouble(text, &value) && !std::isinf(value), FormatError,
                           name_, ": line ", line, ": ", part.name, " ", axis, " '", internal::Excerpt(text),
                           "' is not a finite number");
      return value;
    };
    const double x = parse_coordinate(x_text, "x");
    const double y = parse_coordinate(y_text, "y");
    if (std::isnan(x) || std::isnan(y)) return Keypoint{};
    double likelihood = 0.0;
    GAITLENS_CHECK_INPUT(internal::ParseDouble(likelihood_text, &likelihood) &&
                             std::isfinite(likelihood) && likelihood >= 0.0 && likelihood <= 1.0,
                         FormatError, name_, ": line ", line, ": ", part.name, " likelihood '",
                         internal::Excerpt(likelihood_text), "' is not a number in [0, 1]");
    GAITLENS_CHECK_INPUT(std::abs(x) <= kMaxAbsCoordinate && std::abs(y) <= kMaxAbsCoordinate,
                         FormatError, name_, ": line ", line, ": ", part.name, " coordinate (", x,
                         ", ", y, ") beyond ", kMaxAbsCoordinate, " pixels");
    if (likelihood <= 0.0 || likelihood < options_.deeplabcut_min_likelihood) return Keypoint{};
    return Keypoint{x, y, likelihood};
  }

  const std::string& name_;
  const KeypointReadOptions& options_;
  std::size_t num_columns_ = 0;
  bool num_columns_set_ = false;
  std::vector<MappedPart> parts_;
};

}  // namespace

PoseSequence ParseDeepLabCutCsv(std::string_view text, const std::string& name,
                                const KeypointReadOptions& options) {
  options.Check();
  GAITLENS_CHECK_INPUT(options.fps > 0.0, OptionError, name,
                       ": DeepLabCut CSV files store no time; give the frame rate (fps) of the "
                       "video");
  return DeepLabCutParser(name, options).Parse(text);
}

PoseSequence ReadDeepLabCutCsv(const std::string& path, const KeypointReadOptions& options) {
  options.Check();
  GAITLENS_CHECK_INPUT(options.fps > 0.0, OptionError, path,
                       ": DeepLabCut CSV files store no time; give the frame rate (fps) of the "
                       "video");
  return ParseDeepLabCutCsv(internal::ReadFileToString(path), path, options);
}

}  // namespace gaitlens
