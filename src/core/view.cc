#include "gaitlens/core/view.h"

#include <utility>

#include "gaitlens/core/enum_strings.h"

namespace gaitlens {

namespace {
constexpr std::pair<View, const char*> kViewNames[] = {
    {View::kAuto, "auto"}, {View::kSide, "side"}, {View::kRear, "rear"}, {View::kFront, "front"}};
constexpr std::pair<Sex, const char*> kSexNames[] = {{Sex::kMale, "male"}, {Sex::kFemale, "female"}};
}  // namespace

const char* ToString(View view) { return internal::EnumToString(kViewNames, view); }
View ViewFromString(std::string_view name) {
  return internal::EnumFromString(kViewNames, name, "view");
}
const char* ToString(Sex sex) { return internal::EnumToString(kSexNames, sex); }
Sex SexFromString(std::string_view name) { return internal::EnumFromString(kSexNames, name, "sex"); }

}  // namespace gaitlens
