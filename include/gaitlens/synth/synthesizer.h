// A synthetic treadmill clip: runner + camera + pose-estimator realism, producing keypoints with
// their ground truth and, on request, a rendered video.
#ifndef GAITLENS_SYNTH_SYNTHESIZER_H_
#define GAITLENS_SYNTH_SYNTHESIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gaitlens/pose/pose_sequence.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/runner.h"
#include "gaitlens/synth/truth.h"

namespace gaitlens::synth {

// How a pose estimator's mistakes are imitated on the clean keypoints. Fractions are of frames
// (or of keypoint observations for the per-point rates); lengths are fractions of the runner's
// height in the image, so they scale with resolution.
struct NoiseParams {
  // Standard deviation of Gaussian jitter, fraction of body height (feet get 1.5x).
  double jitter = 0.0;
  // Frame-to-frame correlation of the jitter (AR(1) coefficient). In [0, 0.95].
  double jitter_correlation = 0.0;
  // Jitter multiplier for the far side's points in a side view (a detector sees them worse).
  double far_side_jitter_factor = 1.0;
  // Per-point probability of a missing detection (confidence 0).
  double dropout_rate = 0.0;
  // Fraction of frames in which the far leg (side view) is hidden by the treadmill console:
  // the frames where that foot is furthest forward. Its knee, ankle, heel and toes get
  // confidence 0.
  double occlusion_fraction = 0.0;
  // Fraction of frames with left/right leg labels swapped, in runs of 1..swap_run_max frames.
  double swap_fraction = 0.0;
  int swap_run_max = 4;
  // Fraction of frames where the far knee is reported on the near knee ("both knees on one").
  double merged_knees_fraction = 0.0;
  // Per-point probability of a gross outlier, displaced by outlier_size (fraction of height).
  double outlier_rate = 0.0;
  double outlier_size = 0.1;
  // Confidence of detected points: uniform in [confidence_min, confidence_max].
  double confidence_min = 1.0;
  double confidence_max = 1.0;

  // Exact keypoints, confidence 1.
  static NoiseParams Clean();
  // Like a good pose model on good footage (jitter and confidences measured on the real
  // male_side clip's RTMPose keypoints; see docs/synthetic.md).
  static NoiseParams Realistic();
  // The stress case of the leg-model issue: 1 % jitter, 5 % dropouts, a 10 % occlusion window,
  // 3 % swapped frames in runs, 2 % merged knees, 0.5 % outliers.
  static NoiseParams Harsh();
  // "clean", "realistic", "harsh".
  static NoiseParams FromName(const std::string& name);
  void Check() const;
};

struct SynthOptions {
  RunnerParams runner;
  CameraParams camera;
  NoiseParams noise = NoiseParams::Realistic();
  // Clip length, s. In (0, 600].
  double duration_s = 10.0;
  // Layout of the output keypoints.
  KeypointLayout layout = KeypointLayout::kCanonical;
  // Seed of the noise (the runner has its own, RunnerParams::seed).
  std::uint64_t noise_seed = 1;

  void Check() const;
};

// Per-frame record of what the noise did, so that later stages can be scored.
struct NoiseLog {
  std::vector<bool> swapped;        // leg labels swapped in this frame
  std::vector<bool> occluded;       // far leg hidden by the console
  std::vector<bool> knees_merged;   // far knee reported on the near knee
  int dropouts = 0;
  int outliers = 0;
};

struct SynthResult {
  GroundTruth truth;
  // Exact projected keypoints (confidence 1), canonical layout.
  PoseSequence clean_poses;
  // What a pose estimator would report, in SynthOptions::layout.
  PoseSequence poses;
  NoiseLog noise_log;
};

SynthResult Generate(const SynthOptions& options);

// JSON with every field of GroundTruth and the options (schema documented in docs/synthetic.md).
// Written atomically.
std::string GroundTruthToJson(const GroundTruth& truth, const NoiseLog* noise_log = nullptr);
void WriteGroundTruthJson(const GroundTruth& truth, const std::string& path,
                          const NoiseLog* noise_log = nullptr);

}  // namespace gaitlens::synth

#endif  // GAITLENS_SYNTH_SYNTHESIZER_H_
