// KeypointFileFormat names, KeypointReadOptions::Check and the ReadKeypoints dispatcher. The
// readers themselves live in gaitlens_csv.cc, openpose_json.cc, deeplabcut_csv.cc and pose_json.cc.
#include "gaitlens/io/keypoint_files.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "gaitlens/core/enum_strings.h"
#include "gaitlens/core/error.h"
#include "io/text_util.h"

namespace gaitlens {
namespace {

namespace fs = std::filesystem;

constexpr std::pair<KeypointFileFormat, const char*> kFormatNames[] = {
    {KeypointFileFormat::kAuto, "auto"},
    {KeypointFileFormat::kGaitlensCsv, "gaitlens_csv"},
    {KeypointFileFormat::kOpenPoseJson, "openpose_json"},
    {KeypointFileFormat::kDeepLabCutCsv, "deeplabcut_csv"},
    {KeypointFileFormat::kPoseJson, "pose_json"},
};

std::string LowerCaseExtension(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

// True when the first non-blank line of a CSV starts with "scorer" (DeepLabCut's first header row).
bool LooksLikeDeepLabCut(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  for (std::string_view line : internal::SplitLines(text)) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '"')) {
      line.remove_prefix(1);
    }
    if (line.empty()) continue;
    return line.substr(0, 6) == "scorer";
  }
  return false;
}

}  // namespace

const char* ToString(KeypointFileFormat format) {
  return internal::EnumToString(kFormatNames, format);
}

KeypointFileFormat KeypointFileFormatFromString(std::string_view name) {
  return internal::EnumFromString(kFormatNames, name, "keypoint file format");
}

void KeypointReadOptions::Check() const {
  GAITLENS_CHECK_INPUT(std::isfinite(fps) && fps >= 0.0 && fps <= 10000.0, OptionError,
                       "KeypointReadOptions.fps must be 0 (not given) or in (0, 10000], got ", fps);
  GAITLENS_CHECK_INPUT(std::string_view(ToString(format)) != "unknown", OptionError,
                       "KeypointReadOptions.format has the invalid value ",
                       static_cast<int>(format));
  GAITLENS_CHECK_INPUT(
      openpose_layout == KeypointLayout::kCanonical || openpose_layout == KeypointLayout::kBody25 ||
          openpose_layout == KeypointLayout::kOpenPoseCoco18,
      OptionError, "KeypointReadOptions.openpose_layout must be canonical (decide ",
      "from the number of points), body25 or openpose_coco18, got ", ToString(openpose_layout));
  GAITLENS_CHECK_INPUT(std::isfinite(deeplabcut_min_likelihood) &&
                           deeplabcut_min_likelihood >= 0.0 && deeplabcut_min_likelihood <= 1.0,
                       OptionError, "KeypointReadOptions.deeplabcut_min_likelihood must be in ",
                       "[0, 1], got ", deeplabcut_min_likelihood);
}

PoseSequence ReadKeypoints(const std::string& path, const KeypointReadOptions& options) {
  options.Check();
  switch (options.format) {
    case KeypointFileFormat::kGaitlensCsv:
      return ReadGaitlensCsv(path);
    case KeypointFileFormat::kOpenPoseJson:
      return ReadOpenPoseFolder(path, options);
    case KeypointFileFormat::kDeepLabCutCsv:
      return ReadDeepLabCutCsv(path, options);
    case KeypointFileFormat::kPoseJson:
      return ReadPoseJson(path, options);
    case KeypointFileFormat::kAuto:
      break;
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  GAITLENS_CHECK_INPUT(fs::exists(status), InputError, path, ": no such file or folder");
  if (fs::is_directory(status)) return ReadOpenPoseFolder(path, options);
  const std::string extension = LowerCaseExtension(path);
  if (extension == ".csv") {
    const std::string text = internal::ReadFileToString(path);
    if (LooksLikeDeepLabCut(text)) return ParseDeepLabCutCsv(text, path, options);
    return ParseGaitlensCsv(text, path);
  }
  if (extension == ".json") return ReadPoseJson(path, options);
  GAITLENS_THROW(FormatError, path, ": cannot tell the keypoint format from the extension '",
                 extension, "'; supported: a folder of OpenPose *_keypoints.json files, a .csv ",
                 "file (gaitlens CSV or DeepLabCut CSV) or a .json pose file (gaitlab.pose/v1); ",
                 "or name the format explicitly (gaitlens_csv, openpose_json, deeplabcut_csv, ",
                 "pose_json)");
}

}  // namespace gaitlens
