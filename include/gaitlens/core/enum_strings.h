// Enums spelled the same way in C++, the CLI, JSON and Python: each enum that crosses the API has
// ToString(value) and a <Enum>FromString(text) that throws OptionError listing the valid names.
#ifndef GAITLENS_CORE_ENUM_STRINGS_H_
#define GAITLENS_CORE_ENUM_STRINGS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gaitlens/core/error.h"

namespace gaitlens::internal {

// Looks `text` up in a table of (value, name) pairs; throws OptionError naming `what` otherwise.
template <typename Enum, std::size_t N>
Enum EnumFromString(const std::pair<Enum, const char*> (&table)[N], std::string_view text,
                    const char* what) {
  for (const auto& [value, name] : table) {
    if (text == name) return value;
  }
  std::string valid;
  for (const auto& entry : table) {
    if (!valid.empty()) valid += ", ";
    valid += entry.second;
  }
  GAITLENS_THROW(OptionError, "unknown ", what, " '", text, "' (valid: ", valid, ")");
}

template <typename Enum, std::size_t N>
const char* EnumToString(const std::pair<Enum, const char*> (&table)[N], Enum value) {
  for (const auto& [entry_value, name] : table) {
    if (entry_value == value) return name;
  }
  return "unknown";
}

}  // namespace gaitlens::internal

#endif  // GAITLENS_CORE_ENUM_STRINGS_H_
