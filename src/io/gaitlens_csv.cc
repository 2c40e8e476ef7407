// gaitlens CSV: gaitlens' own keypoint file (see docs/formats.md, "gaitlens CSV").
//
//   # gaitlens keypoints v1
//   # layout: halpe26
//   # image_size: 720x1280
//   # source: rtmpose-halpe26
//   frame,timestamp_s,keypoint,x,y,confidence
//   0,0,nose,228.166,674.599,0.97
//   0,0,left_eye,0,0,0
//   ...
//
// Numbers are written in the shortest form that reads back to the same double, so a write/read
// round trip is exact.
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

constexpr std::string_view kMagicLine = "# gaitlens keypoints v1";
constexpr std::string_view kMagicPrefix = "# gaitlens keypoints";
constexpr const char* kColumns[] = {"frame", "timestamp_s", "keypoint", "x", "y", "confidence"};
constexpr int kNumColumns = 6;
constexpr double kMaxAbsCoordinate = 1e6;  // pixels, as in PoseSequence::Validate
constexpr int kMaxImageSide = 100000;      // pixels

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}


// Parses a whole field of decimal digits into a non-negative int.
bool ParseIndex(std::string_view field, int* value) {
  if (field.empty() || field.size() > 10) return false;
  for (char c : field) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), *value);
  return error == std::errc() && end == field.data() + field.size();
}

void AppendDouble(double value, std::string* out) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, error == std::errc() ? end : buffer);
}

std::string ColumnList() {
  std::string list;
  for (const char* column : kColumns) {
    if (!list.empty()) list += ",";
    list += column;
  }
  return list;
}

// One data row.
struct Row {
  int line = 0;
  int frame = 0;
  double timestamp_s = 0.0;
  int keypoint = 0;
  Keypoint point;
};

class GaitlensCsvParser {
 public:
  explicit GaitlensCsvParser(const std::string& name) : name_(name) {}

  PoseSequence Parse(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
    const std::vector<std::string_view> lines = internal::SplitLines(text);
    std::size_t i = 0;
    auto skip_blank = [&] {
      while (i < lines.size() && Trim(lines[i]).empty()) ++i;
    };

    skip_blank();
    GAITLENS_CHECK_INPUT(i < lines.size(), InputError, name_, ": file is empty");
    ParseMagicLine(Trim(lines[i]), LineNumber(i));
    ++i;

    // Metadata and comment lines up to the header row.
    for (; i < lines.size(); ++i) {
      const std::string_view line = Trim(lines[i]);
      if (line.empty()) continue;
      if (line.front() != '#') break;
      ParseMetadataLine(line, LineNumber(i));
    }
    GAITLENS_CHECK_INPUT(i < lines.size(), InputError, name_,
                         ": no header row and no frames after the metadata lines (a keypoint file ",
                         "needs at least one frame)");
    ParseHeaderRow(lines[i], LineNumber(i));
    const int header_line = LineNumber(i);
    ++i;
    GAITLENS_CHECK_INPUT(has_layout_, FormatError, name_, ": line ", header_line,
                         ": no '# layout: <name>' line before the header row");

    std::vector<Row> rows;
    for (; i < lines.size(); ++i) {
      const std::string_view line = Trim(lines[i]);
      if (line.empty() || line.front() == '#') continue;  // blank lines and comments
      rows.push_back(ParseRow(line, LineNumber(i)));
    }
    GAITLENS_CHECK_INPUT(!rows.empty(), InputError, name_,
                         ": no keypoint rows after the header row (line ", header_line,
                         "); a keypoint file needs at least one frame");
    return Assemble(&rows);
  }

 private:
  static int LineNumber(std::size_t index) { return static_cast<int>(index) + 1; }

  void ParseMagicLine(std::string_view line, int line_number) {
    if (line == kMagicLine) return;
    if (line.substr(0, kMagicPrefix.size()) == kMagicPrefix) {
      GAITLENS_THROW(FormatError, name_, ": line ", line_number, ": unsupported version '",
                     internal::Excerpt(line), "'; this gaitlens reads '", kMagicLine, "'");
    }
    GAITLENS_THROW(FormatError, name_, ": line ", line_number, ": expected '", kMagicLine,
                   "' as the first line, got '", internal::Excerpt(line),
                   "' (is this a gaitlens keypoint CSV?)");
  }

  // "# key: value"; lines without a colon are comments; unknown keys are ignored.
  void ParseMetadataLine(std::string_view line, int line_number) {
    line.remove_prefix(1);  // '#'
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "layout") {
      GAITLENS_CHECK_INPUT(!has_layout_, FormatError, name_, ": line ", line_number,
                           ": second 'layout' line");
      has_layout_ = true;
      std::string valid;
      for (KeypointLayout layout : AllKeypointLayouts()) {
        if (value == ToString(layout)) {
          layout_ = layout;
          return;
        }
        if (!valid.empty()) valid += ", ";
        valid += ToString(layout);
      }
      GAITLENS_THROW(FormatError, name_, ": line ", line_number, ": unknown layout '",
                     internal::Excerpt(value), "' (valid: ", valid, ")");
    } else if (key == "image_size") {
      GAITLENS_CHECK_INPUT(!has_image_size_, FormatError, name_, ": line ", line_number,
                           ": second 'image_size' line");
      has_image_size_ = true;
      const std::size_t x = value.find('x');
      const bool parsed = x != std::string_view::npos &&
                          ParseIndex(Trim(value.substr(0, x)), &image_width_) &&
                          ParseIndex(Trim(value.substr(x + 1)), &image_height_) &&
                          image_width_ <= kMaxImageSide && image_height_ <= kMaxImageSide;
      GAITLENS_CHECK_INPUT(parsed, FormatError, name_, ": line ", line_number,
                           ": image_size must be <width>x<height> in pixels (each 0 to ",
                           kMaxImageSide, "), got '", internal::Excerpt(value), "'");
    } else if (key == "source") {
      GAITLENS_CHECK_INPUT(!has_source_, FormatError, name_, ": line ", line_number,
                           ": second 'source' line");
      has_source_ = true;
      source_ = std::string(value);
    }
  }

  void ParseHeaderRow(std::string_view line, int line_number) {
    const std::vector<std::string> fields = internal::SplitCsvLine(line);
    bool matches = fields.size() == static_cast<std::size_t>(kNumColumns);
    for (int c = 0; matches && c < kNumColumns; ++c) matches = fields[c] == kColumns[c];
    GAITLENS_CHECK_INPUT(matches, FormatError, name_, ": line ", line_number,
                         ": expected the header row '", ColumnList(), "', got '", internal::Excerpt(line),
                         "'");
  }

  double ParseNumber(const std::string& field, int column, int line_number) const {
    double value = 0.0;
    GAITLENS_CHECK_INPUT(internal::ParseDouble(field, &value) && std::isfinite(value), FormatError,
                         name_, ": line ", line_number, ": ", kColumns[column], " '",
                         internal::Excerpt(field), "' is not a finite number");
    return value;
  }

  Row ParseRow(std::string_view line, int line_number) const {
    const std::vector<std::string> fields = internal::SplitCsvLine(line);
    GAITLENS_CHECK_INPUT(fields.size() == static_cast<std::size_t>(kNumColumns), FormatError, name_,
                         ": line ", line_number, ": expected ", kNumColumns, " columns (",
                         ColumnList(), "), got ", fields.size());
    Row row;
    row.line = line_number;
    GAITLENS_CHECK_INPUT(ParseIndex(fields[0], &row.frame), FormatError, name_, ": line ",
                         line_number, ": frame '", internal::Excerpt(fields[0]),
                         "' is not a non-negative integer");
    row.timestamp_s = ParseNumber(fields[1], 1, line_number);
    const KeypointLayoutInfo& info = GetLayoutInfo(layout_);
    row.keypoint = info.IndexOf(fields[2]);
    if (row.keypoint < 0) {
      std::string valid;
      for (const std::string& keypoint_name : info.keypoint_names) {
        if (!valid.empty()) valid += ", ";
        valid += keypoint_name;
      }
      GAITLENS_THROW(FormatError, name_, ": line ", line_number, ": unknown keypoint '",
                     internal::Excerpt(fields[2]), "' for layout ", info.name, " (valid: ", valid, ")");
    }
    row.point.x = ParseNumber(fields[3], 3, line_number);
    row.point.y = ParseNumber(fields[4], 4, line_number);
    row.point.confidence = ParseNumber(fields[5], 5, line_number);
    GAITLENS_CHECK_INPUT(row.point.confidence >= 0.0 && row.point.confidence <= 1.0, FormatError,
                         name_, ": line ", line_number, ": confidence ", row.point.confidence,
                         " outside [0, 1]");
    GAITLENS_CHECK_INPUT(
        std::abs(row.point.x) <= kMaxAbsCoordinate && std::abs(row.point.y) <= kMaxAbsCoordinate,
        FormatError, name_, ": line ", line_number, ": coordinate (", row.point.x, ", ",
        row.point.y, ") beyond ", kMaxAbsCoordinate, " pixels");
    if (row.point.IsMissing()) row.point = Keypoint{};  // x, y of a missing point carry nothing
    return row;
  }

  PoseSequence Assemble(std::vector<Row>* rows) const {
    // Rows may come in any order; group them by frame, keeping file order within a frame.
    std::stable_sort(rows->begin(), rows->end(),
                     [](const Row& a, const Row& b) { return a.frame < b.frame; });
    int num_frames = 0;
    std::vector<const Row*> first_row_of_frame;
    for (const Row& row : *rows) {
      if (num_frames > 0 && row.frame == num_frames - 1) continue;
      GAITLENS_CHECK_INPUT(row.frame == num_frames, FormatError, name_, ": frame ", num_frames,
                           " has no rows (frames must be numbered 0, 1, 2, ... without gaps; line ",
                           row.line, " is frame ", row.frame, ")");
      first_row_of_frame.push_back(&row);
      ++num_frames;
    }

    PoseSequence poses(layout_, num_frames);
    poses.image_width = image_width_;
    poses.image_height = image_height_;
    poses.source = source_.empty() ? name_ : source_;
    for (int f = 0; f < num_frames; ++f) {
      const Row& first = *first_row_of_frame[f];
      poses.timestamps_s[f] = first.timestamp_s;
      if (f > 0) {
        GAITLENS_CHECK_INPUT(first.timestamp_s > poses.timestamps_s[f - 1], FormatError, name_,
                             ": line ", first.line, ": frame ", f, ": timestamp ",
                             first.timestamp_s, " s is not after frame ", f - 1, "'s ",
                             poses.timestamps_s[f - 1], " s");
      }
    }
    const int num_keypoints = poses.num_keypoints();
    std::vector<int> line_of_entry(static_cast<std::size_t>(num_frames) * num_keypoints, 0);
    for (const Row& row : *rows) {
      const Row& first = *first_row_of_frame[row.frame];
      GAITLENS_CHECK_INPUT(row.timestamp_s == first.timestamp_s, FormatError, name_, ": line ",
                           row.line, ": frame ", row.frame, " has timestamp ", row.timestamp_s,
                           " s here but ", first.timestamp_s, " s on line ", first.line);
      int& seen_line =
          line_of_entry[static_cast<std::size_t>(row.frame) * num_keypoints + row.keypoint];
      GAITLENS_CHECK_INPUT(seen_line == 0, FormatError, name_, ": line ", row.line, ": frame ",
                           row.frame, ", ", poses.layout_info().keypoint_names[row.keypoint],
                           " already given on line ", seen_line);
      seen_line = row.line;
      poses.at(row.frame, row.keypoint) = row.point;
    }
    poses.Validate(name_);
    return poses;
  }

  const std::string& name_;
  bool has_layout_ = false;
  bool has_image_size_ = false;
  bool has_source_ = false;
  KeypointLayout layout_ = KeypointLayout::kCanonical;
  int image_width_ = 0;
  int image_height_ = 0;
  std::string source_;
};

// The source text on one metadata line: control characters become spaces, ends are trimmed.
std::string SanitizedSource(const std::string& source) {
  std::string clean = source;
  for (char& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return std::string(Trim(clean));
}

}  // namespace

PoseSequence ParseGaitlensCsv(std::string_view text, const std::string& name) {
  return GaitlensCsvParser(name).Parse(text);
}

PoseSequence ReadGaitlensCsv(const std::string& path) {
  return ParseGaitlensCsv(internal::ReadFileToString(path), path);
}

void WriteGaitlensCsv(const PoseSequence& poses, const std::string& path) {
  GAITLENS_CHECK_INPUT(!poses.empty(), OptionError, path,
                       ": cannot write a pose sequence with no frames (readers reject such files)");
  GAITLENS_CHECK_INPUT(poses.image_width >= 0 && poses.image_width <= kMaxImageSide &&
                           poses.image_height >= 0 && poses.image_height <= kMaxImageSide,
                       OptionError, path, ": image size ", poses.image_width, "x",
                       poses.image_height, " outside 0 to ", kMaxImageSide, " pixels");
  poses.Validate(path);

  const KeypointLayoutInfo& info = poses.layout_info();
  std::string out;
  out.reserve(256 + static_cast<std::size_t>(poses.num_frames()) * poses.num_keypoints() * 48);
  out.append(kMagicLine).append("\n");
  out.append("# layout: ").append(info.name).append("\n");
  out.append("# image_size: ")
      .append(std::to_string(poses.image_width))
      .append("x")
      .append(std::to_string(poses.image_height))
      .append("\n");
  const std::string source = SanitizedSource(poses.source);
  if (!source.empty()) out.append("# source: ").append(source).append("\n");
  out.append(ColumnList()).append("\n");
  for (int f = 0; f < poses.num_frames(); ++f) {
    std::string frame_prefix = std::to_string(f) + ",";
    AppendDouble(poses.timestamps_s[f], &frame_prefix);
    frame_prefix += ",";
    for (int k = 0; k < poses.num_keypoints(); ++k) {
      const Keypoint& point = poses.at(f, k);
      out.append(frame_prefix).append(info.keypoint_names[k]).append(",");
      if (point.IsMissing()) {
        out.append("0,0,0\n");
        continue;
      }
      AppendDouble(point.x, &out);
      out.append(",");
      AppendDouble(point.y, &out);
      out.append(",");
      AppendDouble(point.confidence, &out);
      out.append("\n");
    }
  }
  internal::WriteFileAtomically(path, out);
}

}  // namespace gaitlens
