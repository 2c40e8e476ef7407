#include "gaitlens/synth/synthesizer.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "gaitlens/core/error.h"
#include "io/text_util.h"

namespace gaitlens::synth {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Canonical indices of the leg points (hips to small toes: 0..11, left/right interleaved).
constexpr int kNumLegPoints = 12;
bool IsFootOrLowerLeg(int canonical, int side) {
  // knee, ankle, heel, big toe, small toe of `side` (hips excluded).
  return canonical >= 2 && canonical < kNumLegPoints && canonical % 2 == side;
}
bool IsFoot(int canonical) { return canonical >= 6 && canonical < kNumLegPoints; }

void SwapLegs(PoseSequence* poses, int frame) {
  for (int k = 0; k < kNumLegPoints; k += 2) std::swap(poses->at(frame, k), poses->at(frame, k + 1));
}

// Marks about `fraction` of `n` frames in runs of 1..max_run frames (non-overlapping).
std::vector<bool> PickRuns(int n, double fraction, int max_run, std::mt19937_64* rng) {
  std::vector<bool> marked(n, false);
  const int target = static_cast<int>(std::lround(fraction * n));
  if (target <= 0 || n == 0) return marked;
  std::uniform_int_distribution<int> start(0, n - 1), length(1, std::max(1, max_run));
  int count = 0;
  for (int attempt = 0; attempt < 100 * n && count < target; ++attempt) {
    const int s = start(*rng);
    const int len = std::min(length(*rng), target - count);
    bool free = true;
    for (int f = std::max(0, s - 1); f < std::min(n, s + len + 1); ++f) free = free && !marked[f];
    if (!free || s + len > n) continue;
    for (int f = s; f < s + len; ++f) marked[f] = true;
    count += len;
  }
  return marked;
}

nlohmann::json Finite(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

NoiseParams NoiseParams::Clean() { return NoiseParams(); }

NoiseParams NoiseParams::Realistic() {
  // Measured on ../shared/data/real/male_side/male_side.pose.json (RTMPose): residual jitter of
  // near-side hips, knees and ankles about 0.4 % of body height, far side about twice that;
  // confidences mostly 0.5-0.95.
  NoiseParams n;
  n.jitter = 0.004;
  n.jitter_correlation = 0.3;
  n.far_side_jitter_factor = 2.0;
  n.dropout_rate = 0.005;
  n.occlusion_fraction = 0.05;
  n.swap_fraction = 0.01;
  n.swap_run_max = 3;
  n.merged_knees_fraction = 0.005;
  n.outlier_rate = 0.001;
  n.confidence_min = 0.5;
  n.confidence_max = 0.95;
  return n;
}

NoiseParams NoiseParams::Harsh() {
  NoiseParams n = Realistic();
  n.jitter = 0.01;
  n.far_side_jitter_factor = 1.0;
  n.dropout_rate = 0.05;
  n.occlusion_fraction = 0.10;
  n.swap_fraction = 0.03;
  n.swap_run_max = 6;
  n.merged_knees_fraction = 0.02;
  n.outlier_rate = 0.005;
  return n;
}

NoiseParams NoiseParams::FromName(const std::string& name) {
  if (name == "clean") return Clean();
  if (name == "realistic") return Realistic();
  if (name == "harsh") return Harsh();
  GAITLENS_THROW(OptionError, "unknown noise preset '", name, "' (valid: clean, realistic, harsh)");
}

void NoiseParams::Check() const {
  auto fraction = [](double value, const char* name) {
    GAITLENS_CHECK_INPUT(std::isfinite(value) && value >= 0 && value <= 1, OptionError,
                         "NoiseParams.", name, " must be in [0, 1], got ", value);
  };
  fraction(jitter, "jitter");
  fraction(dropout_rate, "dropout_rate");
  fraction(occlusion_fraction, "occlusion_fraction");
  fraction(swap_fraction, "swap_fraction");
  fraction(merged_knees_fraction, "merged_knees_fraction");
  fraction(outlier_rate, "outlier_rate");
  fraction(outlier_size, "outlier_size");
  fraction(confidence_min, "confidence_min");
  fraction(confidence_max, "confidence_max");
  GAITLENS_CHECK_INPUT(jitter_correlation >= 0 && jitter_correlation <= 0.95, OptionError,
                       "NoiseParams.jitter_correlation must be in [0, 0.95], got ",
                       jitter_correlation);
  GAITLENS_CHECK_INPUT(far_side_jitter_factor >= 0 && far_side_jitter_factor <= 10, OptionError,
                       "NoiseParams.far_side_jitter_factor must be in [0, 10], got ",
                       far_side_jitter_factor);
  GAITLENS_CHECK_INPUT(swap_run_max >= 1 && swap_run_max <= 1000, OptionError,
                       "NoiseParams.swap_run_max must be in [1, 1000], got ", swap_run_max);
  GAITLENS_CHECK_INPUT(confidence_min > 0 && confidence_min <= confidence_max, OptionError,
                       "NoiseParams: need 0 < confidence_min <= confidence_max, got ",
                       confidence_min, " and ", confidence_max);
}

void SynthOptions::Check() const {
  runner.Check();
  camera.Check();
  noise.Check();
  GAITLENS_CHECK_INPUT(std::isfinite(duration_s) && duration_s > 0 && duration_s <= 600,
                       OptionError, "SynthOptions.duration_s must be in (0, 600], got ",
                       duration_s);
}

SynthResult Generate(const SynthOptions& options) {
  options.Check();
  const RunnerModel runner(options.runner, options.duration_s);
  const Camera camera(options.camera, options.runner.height_m);
  const int num_frames =
      std::max(1, static_cast<int>(std::floor(options.duration_s * options.camera.fps + 1e-9)));
  std::vector<double> times(num_frames);
  for (int f = 0; f < num_frames; ++f) times[f] = f / options.camera.fps;

  SynthResult result;
  result.truth = ComputeGroundTruth(runner, camera, times);

  PoseSequence clean(KeypointLayout::kCanonical, num_frames);
  clean.timestamps_s = times;
  clean.image_width = options.camera.width;
  clean.image_height = options.camera.height;
  clean.source = "synth";
  std::vector<double> far_ankle_forward(num_frames, 0.0);
  // The far side in a side view: the leg farther from the camera.
  const BodyPose first = runner.PoseAt(0.0);
  const int far_side =
      camera.Depth(first[kLeftHip]) > camera.Depth(first[kRightHip]) ? kLeft : kRight;
  for (int f = 0; f < num_frames; ++f) {
    const BodyPose pose = runner.PoseAt(times[f]);
    for (int k = 0; k < kNumKeypointBodyPoints; ++k) {
      const Eigen::Vector2d p = camera.Project(pose[k]);
      clean.at(f, k) = {p.x(), p.y(), 1.0};
    }
    far_ankle_forward[f] = pose[kLeftAnkle + far_side].x();
  }
  result.clean_poses = clean;

  // Pose-estimator realism.
  const NoiseParams& noise = options.noise;
  std::mt19937_64 rng(options.noise_seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double body_px = camera.focal_px() * options.runner.height_m / options.camera.distance_m;
  PoseSequence noisy = clean;
  NoiseLog& log = result.noise_log;
  log.swapped.assign(num_frames, false);
  log.occluded.assign(num_frames, false);
  log.knees_merged.assign(num_frames, false);

  const bool side_view = options.camera.view == View::kSide;
  const double rho = noise.jitter_correlation;
  std::vector<double> state(2 * kNumCanonicalKeypoints, 0.0);
  for (int k = 0; k < 2 * kNumCanonicalKeypoints; ++k) state[k] = normal(rng);
  for (int f = 0; f < num_frames; ++f) {
    for (int k = 0; k < kNumCanonicalKeypoints; ++k) {
      double sigma = noise.jitter * body_px * (IsFoot(k) ? 1.5 : 1.0);
      const bool far = k < kNumLegPoints + 6 && k % 2 == far_side;  // legs and arms
      if (side_view && far) sigma *= noise.far_side_jitter_factor;
      for (int c = 0; c < 2; ++c) {
        double& e = state[2 * k + c];
        e = rho * e + std::sqrt(1 - rho * rho) * normal(rng);
        (c == 0 ? noisy.at(f, k).x : noisy.at(f, k).y) += sigma * e;
      }
      noisy.at(f, k).confidence =
          noise.confidence_min + (noise.confidence_max - noise.confidence_min) * uniform(rng);
    }
  }

  if (side_view && noise.occlusion_fraction > 0) {
    std::vector<double> sorted = far_ankle_forward;
    std::sort(sorted.begin(), sorted.end());
    const int index = std::clamp(
        static_cast<int>(std::floor((1 - noise.occlusion_fraction) * num_frames)), 0, num_frames - 1);
    const double threshold = sorted[index];
    for (int f = 0; f < num_frames; ++f) {
      if (far_ankle_forward[f] < threshold) continue;
      log.occluded[f] = true;
      for (int k = 0; k < kNumLegPoints; ++k) {
        if (IsFootOrLowerLeg(k, far_side)) noisy.at(f, k) = Keypoint{};
      }
    }
  }

  const std::vector<bool> merged = PickRuns(num_frames, noise.merged_knees_fraction, 2, &rng);
  const int near_side = 1 - far_side;
  for (int f = 0; f < num_frames; ++f) {
    if (!merged[f]) continue;
    log.knees_merged[f] = true;
    Keypoint knee = noisy.at(f, 2 + near_side);
    knee.x += 0.003 * body_px * normal(rng);
    knee.y += 0.003 * body_px * normal(rng);
    knee.confidence *= 0.8;
    noisy.at(f, 2 + far_side) = knee;
  }

  const std::vector<bool> swapped = PickRuns(num_frames, noise.swap_fraction, noise.swap_run_max, &rng);
  for (int f = 0; f < num_frames; ++f) {
    if (!swapped[f]) continue;
    log.swapped[f] = true;
    SwapLegs(&noisy, f);
  }

  for (int f = 0; f < num_frames; ++f) {
    for (int k = 0; k < kNumCanonicalKeypoints; ++k) {
      Keypoint& p = noisy.at(f, k);
      if (p.IsMissing()) continue;
      if (uniform(rng) < noise.outlier_rate) {
        const double angle = 2 * kPi * uniform(rng);
        const double size = noise.outlier_size * body_px * (0.5 + uniform(rng));
        p.x += size * std::cos(angle);
        p.y += size * std::sin(angle);
        p.confidence = 0.3 + 0.4 * uniform(rng);
        ++log.outliers;
      }
      if (uniform(rng) < noise.dropout_rate) {
        p = Keypoint{};
        ++log.dropouts;
      }
    }
  }
  result.poses = ConvertLayout(noisy, options.layout);
  return result;
}

std::string GroundTruthToJson(const GroundTruth& truth, const NoiseLog* noise_log) {
  using nlohmann::json;
  const RunnerParams& r = truth.runner;
  const CameraParams& c = truth.camera;
  const BodyDimensions& d = truth.dimensions;
  json j;
  j["schema"] = "gaitlens.synth.truth/v1";
  j["duration_s"] = truth.duration_s;
  j["num_frames"] = truth.num_frames;
  j["runner"] = {{"cadence_spm", r.cadence_spm},
                 {"belt_speed_m_s", r.belt_speed_m_s},
                 {"height_m", r.height_m},
                 {"sex", ToString(r.sex)},
                 {"duty_factor", r.duty_factor},
                 {"contact_time_s", r.contact_time_s},
                 {"overstride_m", r.overstride_m},
                 {"knee_flexion_ic_deg", r.knee_flexion_ic_deg},
                 {"knee_flexion_midstance_deg", r.knee_flexion_midstance_deg},
                 {"knee_flexion_to_deg", r.knee_flexion_to_deg},
                 {"foot_strike_angle_deg", r.foot_strike_angle_deg},
                 {"toe_off_angle_deg", r.toe_off_angle_deg},
                 {"swing_knee_flexion_deg", r.swing_knee_flexion_deg},
                 {"peak_valgus_deg", {r.peak_valgus_deg[0], r.peak_valgus_deg[1]}},
                 {"pelvic_drop_deg", {r.pelvic_drop_deg[0], r.pelvic_drop_deg[1]}},
                 {"trunk_lean_deg", r.trunk_lean_deg},
                 {"arm_swing_deg", r.arm_swing_deg},
                 {"elbow_flexion_deg", r.elbow_flexion_deg},
                 {"step_time_asymmetry_pct", r.step_time_asymmetry_pct},
                 {"step_width_m", r.step_width_m},
                 {"variability_cv", r.variability_cv},
                 {"seed", r.seed}};
  j["camera"] = {{"view", ToString(c.view)},     {"facing_right", c.facing_right},
                 {"width", c.width},             {"height", c.height},
                 {"fps", c.fps},                 {"distance_m", c.distance_m},
                 {"focal_px", c.focal_px},       {"runner_fraction", c.runner_fraction},
                 {"height_m", c.height_m},       {"tilt_deg", c.tilt_deg},
                 {"roll_deg", c.roll_deg},       {"pan_deg", c.pan_deg}};
  j["segments_m"] = {{"thigh", d.thigh}, {"shank", d.shank}, {"foot", d.foot},
                     {"leg", d.leg()},   {"hip_width", d.hip_width}};
  j["summary"] = {{"cadence_spm", truth.cadence_spm}, {"num_steps", truth.steps.size()}};
  json steps = json::array();
  for (const StepTruth& s : truth.steps) {
    steps.push_back({{"side", ToString(s.side)},
                     {"ic_s", s.ic_s},
                     {"to_s", s.to_s},
                     {"midstance_s", s.midstance_s},
                     {"lowest_pelvis_s", s.lowest_pelvis_s},
                     {"step_time_s", Finite(s.step_time_s)},
                     {"stride_time_s", Finite(s.stride_time_s)},
                     {"contact_time_s", s.contact_time_s},
                     {"flight_time_s", Finite(s.flight_time_s)},
                     {"duty_factor", Finite(s.duty_factor)},
                     {"overstride_m", s.overstride_m},
                     {"overstride_leg", s.overstride_leg},
                     {"overstride_px", Finite(s.overstride_px)},
                     {"hip_to_ankle_m", s.hip_to_ankle_m},
                     {"shank_angle_deg", s.shank_angle_deg},
                     {"shank_angle_camera_deg", Finite(s.shank_angle_camera_deg)},
                     {"knee_flexion_ic_deg", s.knee_flexion_ic_deg},
                     {"knee_flexion_ic_camera_deg", Finite(s.knee_flexion_ic_camera_deg)},
                     {"knee_flexion_midstance_deg", s.knee_flexion_midstance_deg},
                     {"knee_flexion_midstance_camera_deg", Finite(s.knee_flexion_midstance_camera_deg)},
                     {"foot_strike_angle_deg", s.foot_strike_angle_deg},
                     {"foot_strike_angle_camera_deg", Finite(s.foot_strike_angle_camera_deg)},
                     {"vertical_oscillation_m", s.vertical_oscillation_m},
                     {"fppa_midstance_deg", s.fppa_midstance_deg},
                     {"fppa_peak_deg", s.fppa_peak_deg},
                     {"pelvic_drop_deg", s.pelvic_drop_deg},
                     {"hip_adduction_deg", s.hip_adduction_deg},
                     {"fppa_midstance_camera_deg", Finite(s.fppa_midstance_camera_deg)},
                     {"fppa_peak_camera_deg", Finite(s.fppa_peak_camera_deg)},
                     {"pelvic_drop_camera_deg", Finite(s.pelvic_drop_camera_deg)},
                     {"hip_adduction_camera_deg", Finite(s.hip_adduction_camera_deg)}});
  }
  j["steps"] = steps;
  json frames = json::object();
  frames["time_s"] = truth.frame_times_s;
  json com_m = json::array(), com_px = json::array(), stance = json::array();
  for (std::size_t f = 0; f < truth.frame_times_s.size(); ++f) {
    com_m.push_back({truth.com_m[f].x(), truth.com_m[f].y(), truth.com_m[f].z()});
    com_px.push_back({truth.com_px[f].x(), truth.com_px[f].y()});
    stance.push_back({truth.in_stance[f][0], truth.in_stance[f][1]});
  }
  frames["com_m"] = com_m;
  frames["com_px"] = com_px;
  frames["in_stance_left_right"] = stance;
  if (noise_log != nullptr) {
    frames["swapped"] = noise_log->swapped;
    frames["occluded"] = noise_log->occluded;
    frames["knees_merged"] = noise_log->knees_merged;
  }
  j["frames"] = frames;
  return j.dump(1);
}

void WriteGroundTruthJson(const GroundTruth& truth, const std::string& path,
                          const NoiseLog* noise_log) {
  internal::WriteFileAtomically(path, GroundTruthToJson(truth, noise_log));
}

}  // namespace gaitlens::synth
