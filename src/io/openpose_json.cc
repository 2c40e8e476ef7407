// OpenPose JSON: a folder with one <name>_<frame number>_keypoints.json file per frame (see
// docs/formats.md, "OpenPose JSON folder"), and the choice of the runner when several people are
// detected.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "io/text_util.h"

namespace gaitlens {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kMaxAbsCoordinate = 1e6;  // pixels, as in PoseSequence::Validate
// Two detections in different frames are the same person when their jointly detected keypoints
// are on average closer than this fraction of the body size (bounding-box diagonal).
constexpr double kMaxLinkCost = 0.5;

// "an array", "a string", "null", ... for messages.
std::string TypeName(const Json& value) {
  const std::string name = value.type_name();
  if (value.is_null()) return name;
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}


// Natural order: runs of digits compare by value ("frame2" < "frame10"); ties (numbers that differ
// only in leading zeros) fall back to plain string order, so the order is total.
bool NaturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      std::size_t i_end = i;
      std::size_t j_end = j;
      while (i_end < a.size() && IsDigit(a[i_end])) ++i_end;
      while (j_end < b.size() && IsDigit(b[j_end])) ++j_end;
      std::string_view da = std::string_view(a).substr(i, i_end - i);
      std::string_view db = std::string_view(b).substr(j, j_end - j);
      while (da.size() > 1 && da.front() == '0') da.remove_prefix(1);
      while (db.size() > 1 && db.front() == '0') db.remove_prefix(1);
      if (da.size() != db.size()) return da.size() < db.size();
      if (da != db) return da < db;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

// The value of the last run of digits in `stem`; false when there is none or it is too long.
bool LastNumber(std::string_view stem, std::uint64_t* number) {
  std::size_t end = stem.size();
  while (end > 0 && !IsDigit(stem[end - 1])) --end;
  if (end == 0) return false;
  std::size_t begin = end;
  while (begin > 0 && IsDigit(stem[begin - 1])) --begin;
  while (begin + 1 < end && stem[begin] == '0') ++begin;
  if (end - begin > 18) return false;
  *number = 0;
  for (std::size_t i = begin; i < end; ++i) *number = *number * 10 + (stem[i] - '0');
  return true;
}

struct FrameFile {
  std::string file_name;
  std::string path;
  bool has_number = false;
  std::uint64_t number = 0;
};

// The frame files of `folder` in frame order (see docs/formats.md for the rules).
std::vector<FrameFile> ListFrameFiles(const std::string& folder) {
  std::error_code ec;
  const fs::file_status status = fs::status(folder, ec);
  GAITLENS_CHECK_INPUT(fs::exists(status), InputError, folder, ": no such folder");
  GAITLENS_CHECK_INPUT(fs::is_directory(status), InputError, folder,
                       ": is not a folder (OpenPose writes a folder of *_keypoints.json files)");
  std::vector<FrameFile> keypoint_files;
  std::vector<FrameFile> json_files;
  fs::directory_iterator it(folder, ec);
  GAITLENS_CHECK_INPUT(!ec, InputError, folder, ": cannot list the folder (", ec.message(), ")");
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    FrameFile file;
    file.file_name = it->path().filename().string();
    file.path = it->path().string();
    const std::string lower = Lower(file.file_name);
    if (EndsWith(lower, "_keypoints.json")) {
      file.has_number = LastNumber(
          std::string_view(file.file_name).substr(0, file.file_name.size() - 15), &file.number);
      keypoint_files.push_back(file);
    } else if (EndsWith(lower, ".json")) {
      file.has_number = LastNumber(
          std::string_view(file.file_name).substr(0, file.file_name.size() - 5), &file.number);
      json_files.push_back(file);
    }
  }
  GAITLENS_CHECK_INPUT(!ec, InputError, folder, ": cannot list the folder (", ec.message(), ")");
  std::vector<FrameFile> files = keypoint_files.empty() ? json_files : keypoint_files;
  GAITLENS_CHECK_INPUT(!files.empty(), InputError, folder,
                       ": no OpenPose *_keypoints.json (or other *.json) files in the folder");

  const bool all_numbered = std::all_of(files.begin(), files.end(),
                                        [](const FrameFile& file) { return file.has_number; });
  if (!all_numbered) {
    std::sort(files.begin(), files.end(), [](const FrameFile& a, const FrameFile& b) {
      return NaturalLess(a.file_name, b.file_name);
    });
    return files;
  }
  std::sort(files.begin(), files.end(), [](const FrameFile& a, const FrameFile& b) {
    if (a.number != b.number) return a.number < b.number;
    return NaturalLess(a.file_name, b.file_name);
  });
  for (std::size_t i = 1; i < files.size(); ++i) {
    const FrameFile& previous = files[i - 1];
    const FrameFile& file = files[i];
    GAITLENS_CHECK_INPUT(file.number != previous.number, FormatError, folder, ": ",
                         previous.file_name, " and ", file.file_name, " both hold frame ",
                         file.number, " (files of two videos in one folder?)");
    GAITLENS_CHECK_INPUT(file.number == previous.number + 1, FormatError, folder,
                         ": frame files missing between ", previous.file_name, " (frame ",
                         previous.number, ") and ", file.file_name, " (frame ", file.number,
                         "); frames must be numbered without gaps");
  }
  return files;
}

std::vector<std::vector<Keypoint>> PeopleFromJson(const Json& root, const std::string& name) {
  GAITLENS_CHECK_INPUT(root.is_object(), FormatError, name, ": the document is ", TypeName(root),
                       ", expected an OpenPose object with a \"people\" array");
  const auto people_it = root.find("people");
  GAITLENS_CHECK_INPUT(people_it != root.end(), FormatError, name,
                       ": no \"people\" array (is this an OpenPose *_keypoints.json file?)");
  const Json& people = *people_it;
  GAITLENS_CHECK_INPUT(people.is_array(), FormatError, name, ": \"people\" is ", TypeName(people),
                       ", expected an array");
  std::vector<std::vector<Keypoint>> result;
  result.reserve(people.size());
  for (std::size_t i = 0; i < people.size(); ++i) {
    const Json& person = people[i];
    GAITLENS_CHECK_INPUT(person.is_object(), FormatError, name, ": people[", i, "] is ",
                         TypeName(person), ", expected an object");
    const auto values_it = person.find("pose_keypoints_2d");
    GAITLENS_CHECK_INPUT(values_it != person.end(), FormatError, name, ": people[", i,
                         "] has no \"pose_keypoints_2d\"");
    const Json& values = *values_it;
    GAITLENS_CHECK_INPUT(values.is_array(), FormatError, name, ": people[", i,
                         "].pose_keypoints_2d is ", TypeName(values), ", expected an array");
    GAITLENS_CHECK_INPUT(values.size() % 3 == 0, FormatError, name, ": people[", i,
                         "].pose_keypoints_2d has ", values.size(),
                         " values, not a multiple of 3 (x, y, confidence per point)");
    if (!result.empty()) {
      GAITLENS_CHECK_INPUT(values.size() == 3 * result.front().size(), FormatError, name,
                           ": people[", i, "].pose_keypoints_2d has ", values.size(),
                           " values but people[0] has ", 3 * result.front().size());
    }
    std::vector<Keypoint> points(values.size() / 3);
    for (std::size_t k = 0; k < points.size(); ++k) {
      double xyc[3];
      for (std::size_t c = 0; c < 3; ++c) {
        const Json& value = values[3 * k + c];
        GAITLENS_CHECK_INPUT(value.is_number(), FormatError, name, ": people[", i,
                             "].pose_keypoints_2d[", 3 * k + c, "] is ", TypeName(value),
                             ", expected a number");
        xyc[c] = value.get<double>();
        GAITLENS_CHECK_INPUT(std::isfinite(xyc[c]), FormatError, name, ": people[", i,
                             "].pose_keypoints_2d[", 3 * k + c, "] is not a finite number");
      }
      GAITLENS_CHECK_INPUT(xyc[2] >= 0.0 && xyc[2] <= 1.0, FormatError, name, ": people[", i,
                           "] point ", k, ": confidence ", xyc[2], " outside [0, 1]");
      GAITLENS_CHECK_INPUT(
          std::abs(xyc[0]) <= kMaxAbsCoordinate && std::abs(xyc[1]) <= kMaxAbsCoordinate,
          FormatError, name, ": people[", i, "] point ", k, ": coordinate (", xyc[0], ", ", xyc[1],
          ") beyond ", kMaxAbsCoordinate, " pixels");
      if (xyc[2] > 0.0) points[k] = Keypoint{xyc[0], xyc[1], xyc[2]};  // else missing: 0, 0, 0
    }
    result.push_back(std::move(points));
  }
  return result;
}

// A detected person in one frame, summarized for tracking.
struct Detection {
  const std::vector<Keypoint>* points = nullptr;
  double size = 0.0;      // bounding-box diagonal of the detected points, pixels
  double center_x = 0.0;  // mean of the detected points
  double center_y = 0.0;
  double confidence_sum = 0.0;  // over all points (missing ones count 0)
  int num_detected = 0;
};

Detection Summarize(const std::vector<Keypoint>& points) {
  Detection detection;
  detection.points = &points;
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = min_x;
  double max_x = -min_x;
  double max_y = -min_x;
  for (const Keypoint& p : points) {
    if (p.IsMissing()) continue;
    ++detection.num_detected;
    detection.confidence_sum += p.confidence;
    detection.center_x += p.x;
    detection.center_y += p.y;
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  if (detection.num_detected > 0) {
    detection.center_x /= detection.num_detected;
    detection.center_y /= detection.num_detected;
    detection.size = std::hypot(max_x - min_x, max_y - min_y);
  }
  return detection;
}

// Mean distance of the keypoints detected in both (the centers when none is), relative to the
// larger body size.
double LinkCost(const Detection& a, const Detection& b) {
  double sum = 0.0;
  int count = 0;
  for (std::size_t k = 0; k < a.points->size(); ++k) {
    const Keypoint& p = (*a.points)[k];
    const Keypoint& q = (*b.points)[k];
    if (p.IsMissing() || q.IsMissing()) continue;
    sum += std::hypot(p.x - q.x, p.y - q.y);
    ++count;
  }
  const double distance =
      count > 0 ? sum / count : std::hypot(a.center_x - b.center_x, a.center_y - b.center_y);
  return distance / std::max({a.size, b.size, 1.0});
}

struct Track {
  std::vector<std::pair<int, int>> members;  // (frame, person)
  Detection last;
  int last_frame = 0;
  double score = 0.0;  // sum over its frames of the mean confidence of all points
};

// For each frame, the index of the runner among people[frame], or -1 when absent. See
// docs/formats.md: when some frame has several people, detections are linked greedily into tracks
// frame by frame, and the runner is the track with the highest sum of per-frame mean confidence
// (presence x detection quality).
std::vector<int> ChooseRunner(const std::vector<std::vector<std::vector<Keypoint>>>& people,
                              int num_keypoints, int max_gap_frames) {
  const int num_frames = static_cast<int>(people.size());
  // With at most one person in every frame there is nothing to choose: keep every detection.
  std::vector<int> single(num_frames, -1);
  bool several = false;
  for (int f = 0; f < num_frames && !several; ++f) {
    for (std::size_t p = 0; p < people[f].size(); ++p) {
      if (Summarize(people[f][p]).num_detected == 0) continue;
      several = single[f] >= 0;
      single[f] = static_cast<int>(p);
    }
  }
  if (!several) return single;

  std::vector<Track> tracks;
  std::vector<int> active;  // indices of tracks seen within max_gap_frames
  for (int f = 0; f < num_frames; ++f) {
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](int t) { return f - tracks[t].last_frame > max_gap_frames; }),
                 active.end());
    std::vector<Detection> detections;
    std::vector<int> person_index;
    for (std::size_t p = 0; p < people[f].size(); ++p) {
      Detection detection = Summarize(people[f][p]);
      if (detection.num_detected == 0) continue;
      detections.push_back(detection);
      person_index.push_back(static_cast<int>(p));
    }
    std::vector<std::tuple<double, int, int>> candidates;  // (cost, track, detection)
    for (int t : active) {
      for (std::size_t d = 0; d < detections.size(); ++d) {
        const double cost = LinkCost(tracks[t].last, detections[d]);
        if (cost < kMaxLinkCost) candidates.emplace_back(cost, t, static_cast<int>(d));
      }
    }
    std::sort(candidates.begin(), candidates.end());
    std::vector<bool> track_taken(tracks.size(), false);
    std::vector<int> track_of_detection(detections.size(), -1);
    for (const auto& [cost, t, d] : candidates) {
      if (track_taken[t] || track_of_detection[d] >= 0) continue;
      track_taken[t] = true;
      track_of_detection[d] = t;
    }
    for (std::size_t d = 0; d < detections.size(); ++d) {
      int t = track_of_detection[d];
      if (t < 0) {
        t = static_cast<int>(tracks.size());
        tracks.emplace_back();
        active.push_back(t);
      }
      Track& track = tracks[t];
      track.members.emplace_back(f, person_index[d]);
      track.last = detections[d];
      track.last_frame = f;
      track.score += detections[d].confidence_sum / std::max(num_keypoints, 1);
    }
  }
  std::vector<int> runner(num_frames, -1);
  if (tracks.empty()) return runner;
  std::size_t best = 0;
  for (std::size_t t = 1; t < tracks.size(); ++t) {
    if (tracks[t].score > tracks[best].score) best = t;
  }
  for (const auto& [frame, person] : tracks[best].members) runner[frame] = person;
  return runner;
}

}  // namespace

std::vector<std::vector<Keypoint>> ParseOpenPoseFrame(std::string_view text,
                                                      const std::string& name) {
  const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
  GAITLENS_CHECK_INPUT(!blank, FormatError, name, ": empty file, expected OpenPose JSON");
  try {
    const Json root = Json::parse(text.begin(), text.end());
    return PeopleFromJson(root, name);
  } catch (const Json::exception& e) {
    GAITLENS_THROW(FormatError, name, ": malformed JSON: ", internal::Excerpt(e.what(), 300));
  }
}

PoseSequence ReadOpenPoseFolder(const std::string& folder, const KeypointReadOptions& options) {
  options.Check();
  GAITLENS_CHECK_INPUT(options.fps > 0.0, OptionError, folder,
                       ": OpenPose files store no time; give the frame rate (fps) of the video");
  const std::vector<FrameFile> files = ListFrameFiles(folder);
  const int num_frames = static_cast<int>(files.size());

  std::vector<std::vector<std::vector<Keypoint>>> people(num_frames);
  KeypointLayout layout = options.openpose_layout;
  bool layout_known = layout != KeypointLayout::kCanonical;
  std::string layout_file;  // the file the layout was decided from
  for (int f = 0; f < num_frames; ++f) {
    const FrameFile& file = files[f];
    people[f] =
        ParseOpenPoseFrame(internal::ReadFileToString(file.path, /*allow_empty=*/true), file.path);
    if (people[f].empty()) continue;
    const std::size_t num_points = people[f].front().size();
    if (!layout_known) {
      if (num_points == 25) {
        layout = KeypointLayout::kBody25;
      } else if (num_points == 18) {
        layout = KeypointLayout::kOpenPoseCoco18;
      } else {
        GAITLENS_THROW(FormatError, file.path, ": ", 3 * num_points, " values per person (",
                       num_points, " points); expected 75 (BODY_25) or 54 (COCO-18)");
      }
      layout_known = true;
      layout_file = file.path;
    }
    const int expected = GetLayoutInfo(layout).num_keypoints();
    GAITLENS_CHECK_INPUT(
        num_points == static_cast<std::size_t>(expected), FormatError, file.path, ": ",
        3 * num_points, " values per person (", num_points, " points), but the layout is ",
        ToString(layout), " (", 3 * expected, " values",
        layout_file.empty() ? std::string(", as requested") : ", decided from " + layout_file, ")");
  }
  if (!layout_known) layout = KeypointLayout::kBody25;  // nobody in any frame: all missing

  const int max_gap_frames = std::max(1, static_cast<int>(std::lround(options.fps)));
  const std::vector<int> runner =
      ChooseRunner(people, GetLayoutInfo(layout).num_keypoints(), max_gap_frames);
  PoseSequence poses(layout, num_frames);
  for (int f = 0; f < num_frames; ++f) {
    if (runner[f] < 0) continue;
    const std::vector<Keypoint>& points = people[f][runner[f]];
    for (int k = 0; k < poses.num_keypoints(); ++k) poses.at(f, k) = points[k];
  }
  poses.SetUniformTimestamps(options.fps);
  poses.source = folder;
  poses.Validate(folder);
  return poses;
}

}  // namespace gaitlens
