// Keypoints from video: the PoseDetector interface, the MoveNet detector (OpenCV DNN) and the
// streaming extraction loop that overlaps decoding with inference.
#ifndef GAITLENS_POSE_DETECTOR_H_
#define GAITLENS_POSE_DETECTOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gaitlens/core/image.h"
#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens {

class VideoReader;

// Finds one runner's keypoints in a frame. Detectors may keep state between frames (tracking);
// call Reset() before an unrelated frame. Not thread-safe: one detector per thread.
class PoseDetector {
 public:
  virtual ~PoseDetector() = default;
  virtual KeypointLayout layout() const = 0;
  virtual std::string name() const = 0;
  // Keypoints in frame pixels; num_keypoints of layout(). Points not found have confidence 0.
  virtual void Detect(const Image& frame, std::vector<Keypoint>* keypoints) = 0;
  virtual void Reset() = 0;
};

// Which library runs the network.
enum class InferenceEngine {
  kAuto,     // XNNPACK when it can run the model, else OpenCV DNN
  kXnnpack,  // XNNPACK (TensorFlow Lite's CPU engine); an error when it cannot run the model
  kOpenCv,   // OpenCV DNN
};
const char* ToString(InferenceEngine engine);  // "auto", "xnnpack", "opencv"
InferenceEngine InferenceEngineFromString(std::string_view name);

struct MoveNetOptions {
  // "movenet-lightning" (fast), "movenet-thunder" (accurate), or a path to a converted ONNX file.
  std::string model = "movenet-lightning";
  // Model cache folder; "" = DefaultModelCacheDir().
  std::string cache_dir;
  // Network input size in pixels; 0 = from the model (192 Lightning, 256 Thunder).
  int input_size = 0;
  // Run on a square crop around the runner found in the previous frame (MoveNet's recommended
  // cropping); off = always the whole frame (padded square).
  bool track_crop = true;
  // Keypoint confidence needed for a point to steer the crop. In [0, 1].
  double crop_min_confidence = 0.2;
  // When the runner was lost, run a second pass on the crop found by the first (whole-frame)
  // pass of the same frame.
  bool refine_lost_frames = true;
  // The inference engine. XNNPACK is about 2-4x faster than OpenCV 4.6 on these networks.
  InferenceEngine engine = InferenceEngine::kAuto;
  // Inference threads for XNNPACK, in [0, 64]; 0 = one per core. (OpenCV DNN uses OpenCV's
  // global thread setting.)
  int threads = 0;

  void Check() const;
};

// MoveNet SinglePose, COCO-17 output, on XNNPACK or OpenCV DNN (MoveNetOptions::engine); name()
// says which, e.g. "movenet-lightning, XNNPACK". Throws InputError when the model is not
// installed (with the command that installs it).
std::unique_ptr<PoseDetector> CreateMoveNetDetector(const MoveNetOptions& options = {});

struct ExtractOptions {
  // Stop after this many frames (0 = all).
  int max_frames = 0;
  // Decode the next frames on a second thread while the detector works on this one.
  bool overlap_decoding = true;
  // Decoded frames that may wait for the detector (memory bound), in [1, 64].
  int queue_frames = 4;

  void Check() const;
};

struct ExtractSummary {
  int frames = 0;
  double seconds = 0;  // wall time of the whole extraction
  double frames_per_second = 0;
  // Frames in which the detector found nobody: fewer than three keypoints at kRunnerConfidence.
  int frames_without_runner = 0;
  std::vector<std::string> warnings;  // from the video reader
  std::string detector;               // the detector's name(), e.g. "movenet-lightning, XNNPACK"
  std::string BriefReport() const;
};

// Runs the detector on every frame of the reader, streaming: memory is bounded by
// queue_frames whatever the video's length. Timestamps come from the video.
PoseSequence ExtractPoses(VideoReader* reader, PoseDetector* detector,
                          const ExtractOptions& options = {}, ExtractSummary* summary = nullptr);

}  // namespace gaitlens

#endif  // GAITLENS_POSE_DETECTOR_H_
