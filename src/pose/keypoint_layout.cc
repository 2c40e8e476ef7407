#include "gaitlens/pose/keypoint_layout.h"

#include <array>
#include <cctype>
#include <utility>

#include "gaitlens/core/enum_strings.h"

namespace gaitlens {
namespace {

constexpr std::array<const char*, kNumCanonicalKeypoints> kCanonicalNames = {
    "left_hip",       "right_hip",       "left_knee",      "right_knee",     "left_ankle",
    "right_ankle",    "left_heel",       "right_heel",     "left_big_toe",   "right_big_toe",
    "left_small_toe", "right_small_toe", "left_shoulder",  "right_shoulder", "left_elbow",
    "right_elbow",    "left_wrist",      "right_wrist",    "nose",           "left_eye",
    "right_eye",      "left_ear",        "right_ear",
};

constexpr std::pair<KeypointLayout, const char*> kLayoutNames[] = {
    {KeypointLayout::kCanonical, "canonical"},   {KeypointLayout::kCoco17, "coco17"},
    {KeypointLayout::kBody25, "body25"},         {KeypointLayout::kOpenPoseCoco18, "openpose_coco18"},
    {KeypointLayout::kHalpe26, "halpe26"},       {KeypointLayout::kBlazePose33, "blazepose33"},
};

std::vector<std::string> Coco17Names() {
  return {"nose",          "left_eye",       "right_eye",  "left_ear",    "right_ear",
          "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
          "right_wrist",   "left_hip",       "right_hip",  "left_knee",   "right_knee",
          "left_ankle",    "right_ankle"};
}

std::vector<std::string> NamesFor(KeypointLayout layout) {
  switch (layout) {
    case KeypointLayout::kCanonical:
      return {kCanonicalNames.begin(), kCanonicalNames.end()};
    case KeypointLayout::kCoco17:
      return Coco17Names();
    case KeypointLayout::kBody25:
      return {"nose",           "neck",          "right_shoulder", "right_elbow",   "right_wrist",
              "left_shoulder",  "left_elbow",    "left_wrist",     "mid_hip",       "right_hip",
              "right_knee",     "right_ankle",   "left_hip",       "left_knee",     "left_ankle",
              "right_eye",      "left_eye",      "right_ear",      "left_ear",      "left_big_toe",
              "left_small_toe", "left_heel",     "right_big_toe",  "right_small_toe",
              "right_heel"};
    case KeypointLayout::kOpenPoseCoco18:
      return {"nose",      "neck",       "right_shoulder", "right_elbow", "right_wrist",
              "left_shoulder", "left_elbow", "left_wrist", "right_hip",   "right_knee",
              "right_ankle",   "left_hip",   "left_knee",  "left_ankle",  "right_eye",
              "left_eye",      "right_ear",  "left_ear"};
    case KeypointLayout::kHalpe26: {
      std::vector<std::string> names = Coco17Names();
      for (const char* name : {"head", "neck", "mid_hip", "left_big_toe", "right_big_toe",
                               "left_small_toe", "right_small_toe", "left_heel", "right_heel"}) {
        names.emplace_back(name);
      }
      return names;
    }
    case KeypointLayout::kBlazePose33:
      return {"nose",          "left_eye_inner", "left_eye",       "left_eye_outer",
              "right_eye_inner", "right_eye",    "right_eye_outer", "left_ear",
              "right_ear",     "mouth_left",     "mouth_right",    "left_shoulder",
              "right_shoulder", "left_elbow",    "right_elbow",    "left_wrist",
              "right_wrist",   "left_pinky",     "right_pinky",    "left_index",
              "right_index",   "left_thumb",     "right_thumb",    "left_hip",
              "right_hip",     "left_knee",      "right_knee",     "left_ankle",
              "right_ankle",   "left_heel",      "right_heel",     "left_foot_index",
              "right_foot_index"};
  }
  return {};
}

std::string MirrorName(const std::string& name) {
  auto swap_token = [&](const std::string& from, const std::string& to) -> std::string {
    const std::size_t at = name.find(from);
    if (at == std::string::npos) return "";
    std::string mirrored = name;
    mirrored.replace(at, from.size(), to);
    return mirrored;
  };
  if (std::string m = swap_token("left", "right"); !m.empty()) return m;
  if (std::string m = swap_token("right", "left"); !m.empty()) return m;
  return name;
}

KeypointLayoutInfo BuildInfo(KeypointLayout layout) {
  KeypointLayoutInfo info;
  info.layout = layout;
  info.name = ToString(layout);
  info.keypoint_names = NamesFor(layout);
  for (const std::string& name : info.keypoint_names) {
    info.to_canonical.push_back(CanonicalIndexFromAlias(name));
  }
  for (const std::string& name : info.keypoint_names) {
    info.mirror.push_back(info.IndexOf(MirrorName(name)));
  }
  return info;
}

std::string Normalize(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

}  // namespace

int KeypointLayoutInfo::IndexOf(std::string_view keypoint_name) const {
  for (int i = 0; i < num_keypoints(); ++i) {
    if (keypoint_names[i] == keypoint_name) return i;
  }
  return -1;
}

int KeypointLayoutInfo::IndexOf(CanonicalKeypoint point) const {
  for (int i = 0; i < num_keypoints(); ++i) {
    if (to_canonical[i] == static_cast<int>(point)) return i;
  }
  return -1;
}

const KeypointLayoutInfo& GetLayoutInfo(KeypointLayout layout) {
  static const std::array<KeypointLayoutInfo, std::size(kLayoutNames)> infos = [] {
    std::array<KeypointLayoutInfo, std::size(kLayoutNames)> built;
    for (std::size_t i = 0; i < built.size(); ++i) built[i] = BuildInfo(kLayoutNames[i].first);
    return built;
  }();
  for (const KeypointLayoutInfo& info : infos) {
    if (info.layout == layout) return info;
  }
  GAITLENS_THROW(OptionError, "unknown keypoint layout value ", static_cast<int>(layout));
}

const char* ToString(KeypointLayout layout) { return internal::EnumToString(kLayoutNames, layout); }

KeypointLayout KeypointLayoutFromString(std::string_view name) {
  return internal::EnumFromString(kLayoutNames, name, "keypoint layout");
}

std::vector<KeypointLayout> AllKeypointLayouts() {
  std::vector<KeypointLayout> all;
  for (const auto& entry : kLayoutNames) all.push_back(entry.first);
  return all;
}

const char* ToString(CanonicalKeypoint point) {
  const int index = static_cast<int>(point);
  if (index < 0 || index >= kNumCanonicalKeypoints) return "unknown";
  return kCanonicalNames[index];
}

int CanonicalIndexFromAlias(std::string_view name) {
  std::string key = Normalize(name);
  std::string side;
  for (const char* prefix : {"left", "right", "l", "r"}) {
    const std::string p(prefix);
    if (key.size() > p.size() && key.compare(0, p.size(), p) == 0) {
      side = p[0] == 'l' ? "left" : "right";
      key = key.substr(p.size());
      break;
    }
  }
  if (side.empty()) return key == "nose" ? static_cast<int>(CanonicalKeypoint::kNose) : -1;
  static const std::pair<const char*, const char*> kParts[] = {
      {"hip", "hip"},           {"knee", "knee"},           {"ankle", "ankle"},
      {"heel", "heel"},         {"bigtoe", "big_toe"},      {"toe", "big_toe"},
      {"footindex", "big_toe"}, {"smalltoe", "small_toe"},  {"shoulder", "shoulder"},
      {"elbow", "elbow"},       {"wrist", "wrist"},         {"eye", "eye"},
      {"ear", "ear"},
  };
  for (const auto& [part, canonical_part] : kParts) {
    if (key == part) {
      const std::string canonical = side + "_" + canonical_part;
      for (int i = 0; i < kNumCanonicalKeypoints; ++i) {
        if (canonical == kCanonicalNames[i]) return i;
      }
    }
  }
  return -1;
}

}  // namespace gaitlens
