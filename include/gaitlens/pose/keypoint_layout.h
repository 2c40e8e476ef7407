// Named keypoint layouts (COCO-17, OpenPose BODY_25 and COCO-18, Halpe-26, BlazePose-33) and the
// canonical lower-body-first set that every analysis stage works in.
#ifndef GAITLENS_POSE_KEYPOINT_LAYOUT_H_
#define GAITLENS_POSE_KEYPOINT_LAYOUT_H_

#include <string>
#include <string_view>
#include <vector>

namespace gaitlens {

enum class KeypointLayout {
  kCanonical,    // gaitlens' own 23 points, lower body first (see CanonicalKeypoint).
  kCoco17,       // MS COCO: MoveNet, SimpleBaseline, HRNet, ViTPose, RTMPose-COCO.
  kBody25,       // OpenPose BODY_25 (with heels and toes).
  kOpenPoseCoco18,  // OpenPose's COCO model output: COCO-17 plus a neck, in OpenPose order.
  kHalpe26,      // Halpe Full-Body 26 (AlphaPose, RTMPose-Halpe): COCO-17 + head, neck, hip, feet.
  kBlazePose33,  // MediaPipe BlazePose / Pose Landmarker.
};

// The canonical points, in storage order. Lower body first because every metric needs it.
enum class CanonicalKeypoint : int {
  kLeftHip = 0, kRightHip, kLeftKnee, kRightKnee, kLeftAnkle, kRightAnkle,
  kLeftHeel, kRightHeel, kLeftBigToe, kRightBigToe, kLeftSmallToe, kRightSmallToe,
  kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow, kLeftWrist, kRightWrist,
  kNose, kLeftEye, kRightEye, kLeftEar, kRightEar,
};
inline constexpr int kNumCanonicalKeypoints = 23;

// Everything known about one layout.
struct KeypointLayoutInfo {
  KeypointLayout layout;
  // The layout's spelling in files, the CLI and Python ("coco17", "body25", ...).
  std::string name;
  // Keypoint names in the layout's own order, in gaitlens' snake_case spelling
  // ("left_hip", "neck", "left_foot_index", ...).
  std::vector<std::string> keypoint_names;
  // For each keypoint, its CanonicalKeypoint index, or -1 when the canonical set has no such
  // point (a neck, a mid-hip, BlazePose's finger points).
  std::vector<int> to_canonical;
  // For each keypoint, the index of its left/right mirror in this layout (itself for midline
  // points). Used to swap legs.
  std::vector<int> mirror;

  int num_keypoints() const { return static_cast<int>(keypoint_names.size()); }
  // Index of the keypoint with this name in this layout, or -1.
  int IndexOf(std::string_view keypoint_name) const;
  // Index in this layout of the given canonical point, or -1 when the layout lacks it.
  int IndexOf(CanonicalKeypoint point) const;
};

// The description of a layout; references stay valid for the life of the program.
const KeypointLayoutInfo& GetLayoutInfo(KeypointLayout layout);

const char* ToString(KeypointLayout layout);
// Accepts the names of ToString; throws OptionError listing them otherwise.
KeypointLayout KeypointLayoutFromString(std::string_view name);
std::vector<KeypointLayout> AllKeypointLayouts();

const char* ToString(CanonicalKeypoint point);

// Maps the names other tools use ("LHip", "l_hip", "left hip", "LBigToe", "left_foot_index") to a
// canonical point; returns -1 for names with no canonical equivalent. Case-insensitive.
int CanonicalIndexFromAlias(std::string_view name);

}  // namespace gaitlens

#endif  // GAITLENS_POSE_KEYPOINT_LAYOUT_H_
