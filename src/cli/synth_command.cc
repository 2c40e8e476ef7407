// gaitlens synth: a synthetic treadmill clip with exact ground truth (keypoints, truth JSON and,
// on request, a rendered video).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/synth/render.h"
#include "gaitlens/synth/synthesizer.h"

namespace gaitlens::cli {

namespace {

struct SynthArgs {
  synth::SynthOptions options;
  std::string view = "side";
  std::string facing = "left";
  std::string noise = "realistic";
  std::string layout = "canonical";
  std::string sex = "male";
  std::string video;
  std::string truth;
  std::string keypoints;
  bool markers = false;
  double valgus_left = 6.0, valgus_right = 6.0;
  double drop_left = 4.0, drop_right = 4.0;
};

int RunSynth(SynthArgs args) {
  synth::SynthOptions& options = args.options;
  options.camera.view = ViewFromString(args.view);
  GAITLENS_CHECK_INPUT(args.facing == "left" || args.facing == "right", OptionError,
                       "--facing must be left or right, got '", args.facing, "'");
  options.camera.facing_right = args.facing == "right";
  options.noise = synth::NoiseParams::FromName(args.noise);
  options.layout = KeypointLayoutFromString(args.layout);
  options.runner.sex = SexFromString(args.sex);
  options.runner.peak_valgus_deg = {args.valgus_left, args.valgus_right};
  options.runner.pelvic_drop_deg = {args.drop_left, args.drop_right};
  options.noise_seed = options.runner.seed + 1000;
  GAITLENS_CHECK_INPUT(!args.video.empty() || !args.truth.empty() || !args.keypoints.empty(),
                       OptionError, "nothing to write: give --out, --truth and/or --keypoints");
  options.Check();

  const synth::SynthResult result = synth::Generate(options);
  std::printf("synthetic runner: %.1f steps/min, %zu steps in %.2f s, %d frames at %.1f fps, %s view\n",
              result.truth.cadence_spm, result.truth.steps.size(), options.duration_s,
              result.truth.num_frames, options.camera.fps, ToString(options.camera.view));
  if (!args.truth.empty()) {
    synth::WriteGroundTruthJson(result.truth, args.truth, &result.noise_log);
    std::printf("wrote ground truth %s\n", args.truth.c_str());
  }
  if (!args.keypoints.empty()) {
    WriteGaitlensCsv(result.poses, args.keypoints);
    std::printf("wrote keypoints %s (%s noise, %s layout)\n", args.keypoints.c_str(),
                args.noise.c_str(), args.layout.c_str());
  }
  if (!args.video.empty()) {
    const synth::RunnerModel runner(options.runner, options.duration_s);
    const synth::Camera camera(options.camera, options.runner.height_m);
    synth::RenderOptions render;
    render.markers = args.markers;
    render.seed = options.runner.seed;
    synth::RenderVideo(runner, camera, result.truth.frame_times_s, args.video, render);
    std::printf("wrote video %s (%dx%d)\n", args.video.c_str(), options.camera.width,
                options.camera.height);
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddSynthCommand(CLI::App* app) {
  auto args = std::make_shared<SynthArgs>();
  synth::SynthOptions& o = args->options;
  CLI::App* c = app->add_subcommand(
      "synth", "Make a synthetic treadmill clip with exact ground truth (docs/synthetic.md)");
  c->add_option("--out", args->video, "Rendered video (.mp4)");
  c->add_option("--truth", args->truth, "Ground-truth JSON");
  c->add_option("--keypoints", args->keypoints, "Keypoints as gaitlens CSV");
  c->add_option("--view", args->view, "side, rear or front")->capture_default_str();
  c->add_option("--facing", args->facing, "Side view: runner faces image-left or -right")
      ->capture_default_str();
  c->add_option("--seconds", o.duration_s, "Clip length, s")->capture_default_str();
  c->add_option("--fps", o.camera.fps, "Frames per second (25-240)")->capture_default_str();
  c->add_option("--width", o.camera.width, "Image width, px")->capture_default_str();
  c->add_option("--height", o.camera.height, "Image height, px")->capture_default_str();
  c->add_option("--distance", o.camera.distance_m, "Camera distance, m")->capture_default_str();
  c->add_option("--tilt", o.camera.tilt_deg, "Camera tilt, deg (+ looks down)")->capture_default_str();
  c->add_option("--roll", o.camera.roll_deg, "Camera roll, deg")->capture_default_str();
  c->add_option("--cadence", o.runner.cadence_spm, "Steps per minute")->capture_default_str();
  c->add_option("--speed", o.runner.belt_speed_m_s, "Belt speed, m/s")->capture_default_str();
  c->add_option("--runner-height", o.runner.height_m, "Runner height, m")->capture_default_str();
  c->add_option("--sex", args->sex, "male or female (segment masses)")->capture_default_str();
  c->add_option("--duty-factor", o.runner.duty_factor, "Contact / stride time")->capture_default_str();
  c->add_option("--contact-time", o.runner.contact_time_s, "Contact time, s (0 = from duty factor)");
  c->add_option("--overstride", o.runner.overstride_m, "Heel ahead of the centre of mass at contact, m")
      ->capture_default_str();
  c->add_option("--knee-ic", o.runner.knee_flexion_ic_deg, "Knee flexion at contact, deg")
      ->capture_default_str();
  c->add_option("--knee-midstance", o.runner.knee_flexion_midstance_deg,
                "Knee flexion at midstance, deg")->capture_default_str();
  c->add_option("--foot-strike", o.runner.foot_strike_angle_deg,
                "Sole angle at contact, deg (+ toes up)")->capture_default_str();
  c->add_option("--valgus-left", args->valgus_left, "Peak FPPA, left, deg (+ valgus)")
      ->capture_default_str();
  c->add_option("--valgus-right", args->valgus_right, "Peak FPPA, right, deg")->capture_default_str();
  c->add_option("--drop-left", args->drop_left, "Peak contralateral pelvic drop in left stance, deg")
      ->capture_default_str();
  c->add_option("--drop-right", args->drop_right, "The same in right stance, deg")
      ->capture_default_str();
  c->add_option("--trunk-lean", o.runner.trunk_lean_deg, "Trunk lean, deg")->capture_default_str();
  c->add_option("--asymmetry", o.runner.step_time_asymmetry_pct, "Step time asymmetry (L-R)/mean, %")
      ->capture_default_str();
  c->add_option("--variability", o.runner.variability_cv, "Step-to-step coefficient of variation")
      ->capture_default_str();
  c->add_option("--noise", args->noise, "Keypoint noise: clean, realistic or harsh")
      ->capture_default_str();
  c->add_option("--layout", args->layout, "Keypoint layout: canonical, coco17, body25, halpe26, ...")
      ->capture_default_str();
  c->add_flag("--markers", args->markers, "Draw marker stickers on the joints");
  c->add_option("--seed", o.runner.seed, "Random seed")->capture_default_str();
  return [args] { return RunSynth(*args); };
}

}  // namespace gaitlens::cli
