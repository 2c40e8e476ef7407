// Readers and writers for keypoints made by other tools, so that users of any pose estimator get
// gaitlens' biomechanics. The formats are documented in docs/formats.md.
//
// Every reader validates what it reads (PoseSequence::Validate) and throws InputError for a
// missing, unreadable or empty file or folder, and FormatError naming the file and the line, frame
// or field for malformed content. Missing points become confidence 0; nothing is invented.
#ifndef GAITLENS_IO_KEYPOINT_FILES_H_
#define GAITLENS_IO_KEYPOINT_FILES_H_

#include <string>
#include <string_view>

#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens {

enum class KeypointFileFormat {
  kAuto,          // Decide from the path: folder -> OpenPose, .csv -> gaitlens or DeepLabCut
                  // (from the header), .json -> gaitlens pose JSON.
  kGaitlensCsv,   // gaitlens' own CSV (read and write).
  kOpenPoseJson,  // A folder of OpenPose per-frame *_keypoints.json files (BODY_25 or COCO-18).
  kDeepLabCutCsv, // A DeepLabCut tracking CSV (scorer/bodyparts/coords header rows).
  kPoseJson,      // A JSON document with keypoint_names and frames (schema "gaitlab.pose/v1").
};
const char* ToString(KeypointFileFormat format);
KeypointFileFormat KeypointFileFormatFromString(std::string_view name);

struct KeypointReadOptions {
  // Frames per second for formats that store no time (OpenPose, DeepLabCut, and pose JSON
  // without "fps"). Required there: 0 means "not given" and makes those readers throw
  // OptionError. Must be in (0, 10000].
  double fps = 0.0;
  // The format; kAuto guesses it from the path (see KeypointFileFormat).
  KeypointFileFormat format = KeypointFileFormat::kAuto;
  // OpenPose only: the keypoint layout of the files. kCanonical means "decide from the number of
  // points per person" (25 -> BODY_25, 18 -> COCO-18).
  KeypointLayout openpose_layout = KeypointLayout::kCanonical;
  // DeepLabCut only: likelihoods below this are stored as missing (confidence 0). In [0, 1].
  double deeplabcut_min_likelihood = 0.0;

  // Throws OptionError naming the field if a value is out of range.
  void Check() const;
};

// Reads keypoints in any supported format.
PoseSequence ReadKeypoints(const std::string& path, const KeypointReadOptions& options = {});

// gaitlens CSV: one row per frame and keypoint (see docs/formats.md). Writes atomically (a
// temporary file renamed over the target), so a reader never sees half a file. Doubles are written
// so that they read back exactly. Writing an empty sequence throws OptionError, an invalid one
// FormatError (PoseSequence::Validate).
PoseSequence ReadGaitlensCsv(const std::string& path);
void WriteGaitlensCsv(const PoseSequence& poses, const std::string& path);

// A folder of OpenPose JSON files, one per frame, in file-name order. With several people in a
// frame, keeps the runner: the track that persists (see docs/formats.md).
PoseSequence ReadOpenPoseFolder(const std::string& folder, const KeypointReadOptions& options);

// A DeepLabCut CSV (single animal). Body parts are mapped to canonical points by name
// (CanonicalIndexFromAlias); unknown body parts are ignored. The result is in the canonical layout.
PoseSequence ReadDeepLabCutCsv(const std::string& path, const KeypointReadOptions& options);

// Pose JSON: {"fps": 30, "width": 720, "height": 1280, "keypoint_names": [...],
// "frames": [[[x, y, c], ...], ...]}. Names mapped by alias to the canonical layout. The file's
// "fps" wins over options.fps, which is used only when the file has none. Confidences above 1 are
// clamped to 1.
PoseSequence ReadPoseJson(const std::string& path, const KeypointReadOptions& options = {});

// The same readers on in-memory text, for tests and fuzzing; `name` is used in error messages.
PoseSequence ParseGaitlensCsv(std::string_view text, const std::string& name);
PoseSequence ParseDeepLabCutCsv(std::string_view text, const std::string& name,
                                const KeypointReadOptions& options);
PoseSequence ParsePoseJson(std::string_view text, const std::string& name,
                           const KeypointReadOptions& options);
// One OpenPose frame file: the people in it, each a vector of keypoints in the file's layout
// (pose_keypoints_2d.size() / 3 points, the same for every person; missing points are 0, 0, 0).
std::vector<std::vector<Keypoint>> ParseOpenPoseFrame(std::string_view text,
                                                      const std::string& name);

}  // namespace gaitlens

#endif  // GAITLENS_IO_KEYPOINT_FILES_H_
