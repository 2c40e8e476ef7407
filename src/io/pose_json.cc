// Pose JSON, schema "gaitlab.pose/v1" (see docs/formats.md, "Pose JSON"):
//
//   {"schema": "gaitlab.pose/v1", "source": "rtmpose-halpe26", "fps": 30.0, "width": 720,
//    "height": 1280, "keypoint_names": ["nose", "l_hip", ...],
//    "frames": [[[228.166, 674.599, 0.97], [x, y, c], ...], ...]}
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "io/text_util.h"

namespace gaitlens {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSchema = "gaitlab.pose/v1";
constexpr double kMaxAbsCoordinate = 1e6;  // pixels, as in PoseSequence::Validate
constexpr int kMaxImageSide = 100000;      // pixels


// "an array", "a string", "null", ... for messages.
std::string TypeName(const Json& value) {
  const std::string name = value.type_name();
  if (value.is_null()) return name;
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

// What a JSON value is, for messages (never dumps it: it could be huge or deeply nested).
std::string Describe(const Json& value) {
  if (value.is_string()) return "the string '" + internal::Excerpt(value.get_ref<const std::string&>()) + "'";
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + " values";
  if (value.is_number()) return "the number " + std::to_string(value.get<double>());
  return TypeName(value);
}

// A member that must be a non-negative integer number of pixels, or 0 when absent or null.
int ImageSide(const Json& root, const char* key, const std::string& name) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return 0;
  GAITLENS_CHECK_INPUT(it->is_number(), FormatError, name, ": \"", key, "\" is ", TypeName(*it),
                       ", expected a number of pixels");
  const double value = it->get<double>();
  GAITLENS_CHECK_INPUT(
      std::isfinite(value) && value >= 0.0 && value <= kMaxImageSide && value == std::floor(value),
      FormatError, name, ": \"", key, "\" is ", value,
      ", expected a whole number of pixels in [0, ", kMaxImageSide, "]");
  return static_cast<int>(value);
}

PoseSequence PoseFromJson(const Json& root, const std::string& name,
                          const KeypointReadOptions& options) {
  GAITLENS_CHECK_INPUT(root.is_object(), FormatError, name, ": the document is ", TypeName(root),
                       ", expected an object with \"keypoint_names\" and "
                       "\"frames\"");
  GAITLENS_CHECK_INPUT(!(root.contains("people") && !root.contains("frames")), FormatError, name,
                       ": this looks like a single OpenPose frame file; read the folder of "
                       "OpenPose files instead");
  if (const auto it = root.find("schema"); it != root.end()) {
    GAITLENS_CHECK_INPUT(it->is_string() && it->get_ref<const std::string&>() == kSchema,
                         FormatError, name, ": unsupported \"schema\": ", Describe(*it),
                         "; this gaitlens reads \"", kSchema, "\"");
  }

  // keypoint_names -> canonical points.
  const auto names_it = root.find("keypoint_names");
  GAITLENS_CHECK_INPUT(names_it != root.end(), FormatError, name, ": no \"keypoint_names\"");
  GAITLENS_CHECK_INPUT(names_it->is_array(), FormatError, name, ": \"keypoint_names\" is ",
                       TypeName(*names_it), ", expected an array of strings");
  const Json& names = *names_it;
  std::vector<int> canonical_of(names.size(), -1);
  std::vector<int> name_of_canonical(kNumCanonicalKeypoints, -1);
  std::string found;
  bool any_mapped = false;
  for (std::size_t k = 0; k < names.size(); ++k) {
    GAITLENS_CHECK_INPUT(names[k].is_string(), FormatError, name, ": keypoint_names[", k, "] is ",
                         TypeName(names[k]), ", expected a string");
    const std::string& keypoint_name = names[k].get_ref<const std::string&>();
    if (!found.empty()) found += ", ";
    found += internal::Excerpt(keypoint_name);
    const int canonical = CanonicalIndexFromAlias(keypoint_name);
    if (canonical < 0) continue;  // head, neck, mid_hip, ...: not used by gaitlens
    const int previous = name_of_canonical[canonical];
    GAITLENS_CHECK_INPUT(previous < 0, FormatError, name, ": keypoint_names '",
                         internal::Excerpt(names[previous].get_ref<const std::string&>()), "' and '",
                         internal::Excerpt(keypoint_name), "' both mean ",
                         ToString(static_cast<CanonicalKeypoint>(canonical)));
    name_of_canonical[canonical] = static_cast<int>(k);
    canonical_of[k] = canonical;
    any_mapped = true;
  }
  GAITLENS_CHECK_INPUT(any_mapped, FormatError, name, ": none of the keypoint_names (", found,
                       ") is a known keypoint name; use names like left_hip, l_knee, LAnkle");

  // Frame rate: the file's "fps" when present, else options.fps.
  double fps = options.fps;
  if (const auto it = root.find("fps"); it != root.end() && !it->is_null()) {
    GAITLENS_CHECK_INPUT(it->is_number(), FormatError, name, ": \"fps\" is ", TypeName(*it),
                         ", expected a number");
    fps = it->get<double>();
    GAITLENS_CHECK_INPUT(std::isfinite(fps) && fps > 0.0 && fps <= 10000.0, FormatError, name,
                         ": \"fps\" is ", fps, ", expected a number in (0, 10000]");
  }
  GAITLENS_CHECK_INPUT(fps > 0.0, OptionError, name,
                       ": the file has no \"fps\"; give the frame rate (fps) of the video");

  const auto frames_it = root.find("frames");
  GAITLENS_CHECK_INPUT(frames_it != root.end(), FormatError, name, ": no \"frames\"");
  GAITLENS_CHECK_INPUT(frames_it->is_array(), FormatError, name, ": \"frames\" is ",
                       TypeName(*frames_it), ", expected an array of frames");
  const Json& frames = *frames_it;
  GAITLENS_CHECK_INPUT(!frames.empty(), InputError, name,
                       ": \"frames\" is empty; a keypoint file needs at least one frame");

  PoseSequence poses(KeypointLayout::kCanonical, static_cast<int>(frames.size()));
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const Json& frame = frames[f];
    GAITLENS_CHECK_INPUT(frame.is_array(), FormatError, name, ": frame ", f, " is ",
                         TypeName(frame), ", expected an array of [x, y, confidence] points");
    GAITLENS_CHECK_INPUT(frame.size() == names.size(), FormatError, name, ": frame ", f, " has ",
                         frame.size(), " points, expected ", names.size(),
                         " (one per keypoint_names entry)");
    for (std::size_t k = 0; k < names.size(); ++k) {
      const Json& point = frame[k];
      if (point.is_null()) continue;  // a missing point
      const std::string& keypoint_name = names[k].get_ref<const std::string&>();
      GAITLENS_CHECK_INPUT(point.is_array() && point.size() == 3 && point[0].is_number() &&
                               point[1].is_number() && point[2].is_number(),
                           FormatError, name, ": frame ", f, ", point ", k, " (",
                           internal::Excerpt(keypoint_name), "): expected [x, y, confidence] numbers, got ",
                           Describe(point));
      const double x = point[0].get<double>();
      const double y = point[1].get<double>();
      const double confidence = point[2].get<double>();
      GAITLENS_CHECK_INPUT(std::isfinite(x) && std::isfinite(y) &&
                               std::abs(x) <= kMaxAbsCoordinate && std::abs(y) <= kMaxAbsCoordinate,
                           FormatError, name, ": frame ", f, ", point ", k, " (",
                           internal::Excerpt(keypoint_name), "): coordinate (", x, ", ", y, ") beyond ",
                           kMaxAbsCoordinate, " pixels");
      GAITLENS_CHECK_INPUT(std::isfinite(confidence) && confidence >= 0.0, FormatError, name,
                           ": frame ", f, ", point ", k, " (", internal::Excerpt(keypoint_name),
                           "): negative confidence ", confidence);
      if (canonical_of[k] < 0 || confidence <= 0.0) continue;
      // Some estimators (RTMPose) emit scores slightly above 1; gaitlens clamps them.
      poses.at(static_cast<int>(f), canonical_of[k]) = Keypoint{x, y, std::min(confidence, 1.0)};
    }
  }
  poses.SetUniformTimestamps(fps);
  poses.image_width = ImageSide(root, "width", name);
  poses.image_height = ImageSide(root, "height", name);
  poses.source = name;
  if (const auto it = root.find("source");
      it != root.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    poses.source = it->get<std::string>();
  }
  poses.Validate(name);
  return poses;
}

}  // namespace

PoseSequence ParsePoseJson(std::string_view text, const std::string& name,
                           const KeypointReadOptions& options) {
  options.Check();
  const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
  GAITLENS_CHECK_INPUT(!blank, InputError, name, ": file is empty");
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    GAITLENS_THROW(FormatError, name, ": malformed JSON: ", internal::Excerpt(e.what(), 300));
  }
  try {
    return PoseFromJson(root, name, options);
  } catch (const Json::exception& e) {  // a type check missed above; never let it escape
    GAITLENS_THROW(FormatError, name, ": unexpected JSON content: ", internal::Excerpt(e.what(), 300));
  }
}

PoseSequence ReadPoseJson(const std::string& path, const KeypointReadOptions& options) {
  options.Check();
  return ParsePoseJson(internal::ReadFileToString(path), path, options);
}

}  // namespace gaitlens
