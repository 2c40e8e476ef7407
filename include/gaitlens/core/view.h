// Camera views of a treadmill runner, spelled the same everywhere ("side", "rear", ...).
#ifndef GAITLENS_CORE_VIEW_H_
#define GAITLENS_CORE_VIEW_H_

#include <string_view>

namespace gaitlens {

enum class View {
  kAuto,   // decide from the keypoints (analysis only)
  kSide,   // sagittal: the camera looks at the runner's side
  kRear,   // posterior: the camera is behind the runner
  kFront,  // anterior: the camera faces the runner
};

const char* ToString(View view);
// "auto", "side", "rear", "front"; throws OptionError otherwise.
View ViewFromString(std::string_view name);

enum class Sex { kMale, kFemale };
const char* ToString(Sex sex);
Sex SexFromString(std::string_view name);  // "male", "female"

}  // namespace gaitlens

#endif  // GAITLENS_CORE_VIEW_H_
