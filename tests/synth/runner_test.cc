// The synthetic runner against the parameters it was given: the oracle must be right before it
// judges anything else.
#include "gaitlens/synth/runner.h"

#include <cmath>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/truth.h"

namespace gaitlens::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

RunnerParams Steady() {
  RunnerParams params;
  params.variability_cv = 0.0;
  return params;
}

GroundTruth TruthFor(const RunnerModel& runner, const CameraParams& camera_params, double fps = 120) {
  const Camera camera(camera_params, runner.params().height_m);
  std::vector<double> times;
  for (int f = 0; f < static_cast<int>(runner.duration_s() * fps); ++f) times.push_back(f / fps);
  return ComputeGroundTruth(runner, camera, times);
}

TEST(RunnerModel, EventTimesReproduceCadenceContactTimeAndDutyFactor) {
  RunnerParams params = Steady();
  params.cadence_spm = 176;
  params.duty_factor = 0.33;
  const RunnerModel runner(params, 8.0);
  const GroundTruth truth = TruthFor(runner, CameraParams());
  ASSERT_GE(truth.steps.size(), 20u);
  EXPECT_NEAR(truth.cadence_spm, 176.0, 1e-9);
  const double stride = 2 * 60.0 / 176;
  for (const StepTruth& step : truth.steps) {
    EXPECT_NEAR(step.step_time_s, 60.0 / 176, 1e-12);
    EXPECT_NEAR(step.stride_time_s, stride, 1e-12);
    EXPECT_NEAR(step.contact_time_s, 0.33 * stride, 1e-12);
    EXPECT_NEAR(step.duty_factor, 0.33, 1e-12);
    EXPECT_NEAR(step.flight_time_s, 60.0 / 176 - 0.33 * stride, 1e-12);
    EXPECT_LT(step.ic_s, step.midstance_s);
    EXPECT_LT(step.midstance_s, step.to_s);
  }
  // Feet alternate.
  for (std::size_t i = 1; i < truth.steps.size(); ++i) {
    EXPECT_NE(truth.steps[i].side, truth.steps[i - 1].side);
  }
}

TEST(RunnerModel, VariabilityKeepsTheMeanAndVariesSteps) {
  RunnerParams params;
  params.variability_cv = 0.03;
  params.contact_time_s = 0.24;
  const RunnerModel runner(params, 30.0);
  const GroundTruth truth = TruthFor(runner, CameraParams(), 30);
  double sum = 0, sum_sq = 0, contact = 0;
  for (const StepTruth& step : truth.steps) {
    sum += step.step_time_s;
    sum_sq += step.step_time_s * step.step_time_s;
    contact += step.contact_time_s;
  }
  const double n = truth.steps.size();
  const double mean = sum / n, sd = std::sqrt(sum_sq / n - mean * mean);
  EXPECT_NEAR(60.0 / mean, 170.0, 170.0 * 0.01);
  EXPECT_NEAR(sd / mean, 0.03, 0.01);
  EXPECT_NEAR(contact / n, 0.24, 0.24 * 0.02);
  // Each stride is its two steps.
  for (std::size_t i = 0; i + 1 < truth.steps.size(); ++i) {
    EXPECT_NEAR(truth.steps[i].stride_time_s,
                truth.steps[i].step_time_s + truth.steps[i + 1].step_time_s, 1e-12);
  }
}

TEST(RunnerModel, StanceFootMovesWithTheBeltAndStaysOnIt) {
  RunnerParams params = Steady();
  params.belt_speed_m_s = 3.8;
  const RunnerModel runner(params, 4.0);
  const double h = 1e-4;
  int checked = 0;
  for (const Stance& stance : runner.stances()) {
    if (stance.ic_s < 0.5 || stance.to_s > 3.5) continue;
    for (int k = 1; k < 50; ++k) {
      const double t = stance.ic_s + (stance.to_s - stance.ic_s) * k / 50.0;
      const BodyPose now = runner.PoseAt(t), later = runner.PoseAt(t + h);
      // The contact point is the lower of heel and toe.
      const int side = stance.side;
      const bool heel_down = now[kLeftHeel + side].y() <= now[kLeftBigToe + side].y();
      const int contact = heel_down ? kLeftHeel + side : kLeftBigToe + side;
      const double velocity = (later[contact].x() - now[contact].x()) / h;
      EXPECT_NEAR(velocity, -3.8, 0.01 * 3.8) << "t " << t;
      EXPECT_LT(std::abs(now[contact].y()), 1e-3) << "t " << t;  // within 1 mm of the belt
      EXPECT_GE(std::min(now[kLeftHeel + side].y(), now[kLeftBigToe + side].y()), -1e-9);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(RunnerModel, FeetNeverGoThroughTheBeltAndToesStayAhead) {
  // Across speeds, overstrides, cadences and seeds (a fast belt or a short overstride once put
  // the swing foot 20 cm through the belt).
  struct Case {
    double speed, overstride, cadence;
    std::uint64_t seed;
  };
  for (const Case& c : {Case{3.3, 0.15, 170, 1}, Case{3.8, 0.15, 170, 3}, Case{3.3, 0.08, 170, 3},
                        Case{4.5, 0.2, 185, 4}, Case{2.2, 0.05, 150, 5}, Case{4.5, 0.0, 175, 6}}) {
    RunnerParams params;
    params.belt_speed_m_s = c.speed;
    params.overstride_m = c.overstride;
    params.cadence_spm = c.cadence;
    params.seed = c.seed;
    params.duty_factor = c.speed > 4 ? 0.28 : 0.35;  // fast running: shorter contact
    const RunnerModel runner(params, 4.0);
    for (double t = 0; t < 4.0; t += 0.001) {
      const BodyPose pose = runner.PoseAt(t);
      for (int side = 0; side < 2; ++side) {
        ASSERT_GT(pose[kLeftHeel + side].y(), -1e-6) << "speed " << c.speed << " t " << t;
        ASSERT_GT(pose[kLeftBigToe + side].y(), -1e-6) << "speed " << c.speed << " t " << t;
        ASSERT_GT(pose[kLeftBigToe + side].x() - pose[kLeftHeel + side].x(), 0.0)
            << "heel ahead of toe, speed " << c.speed << " t " << t;
      }
    }
  }
}

TEST(RunnerModel, SegmentLengthsAreConstant) {
  const RunnerModel runner(RunnerParams(), 3.0);
  const BodyDimensions& d = runner.dimensions();
  for (double t = 0; t < 3.0; t += 0.01) {
    const BodyPose pose = runner.PoseAt(t);
    for (int side = 0; side < 2; ++side) {
      EXPECT_NEAR((pose[kLeftHip + side] - pose[kLeftKnee + side]).norm(), d.thigh, 1e-9);
      EXPECT_NEAR((pose[kLeftKnee + side] - pose[kLeftAnkle + side]).norm(), d.shank, 1e-9);
      EXPECT_NEAR((pose[kLeftHeel + side] - pose[kLeftBigToe + side]).norm(), d.foot, 1e-9);
    }
  }
}

TEST(RunnerModel, OverstrideKneeFlexionAndFootStrikeMatchTheParameters) {
  RunnerParams params = Steady();
  params.overstride_m = 0.21;
  params.knee_flexion_ic_deg = 14;
  params.knee_flexion_midstance_deg = 45;
  params.foot_strike_angle_deg = 9;
  const RunnerModel runner(params, 5.0);
  const GroundTruth truth = TruthFor(runner, CameraParams());
  for (const StepTruth& step : truth.steps) {
    EXPECT_NEAR(step.overstride_m, 0.21, 1e-4);
    EXPECT_NEAR(step.overstride_leg, 0.21 / runner.dimensions().leg(), 1e-4);
    EXPECT_NEAR(step.knee_flexion_ic_deg, 14, 0.05);
    EXPECT_NEAR(step.knee_flexion_midstance_deg, 45, 1.5);
    EXPECT_NEAR(step.foot_strike_angle_deg, 9, 1e-6);
    EXPECT_GT(step.shank_angle_deg, 0);  // ankle ahead of the knee when overstriding
    EXPECT_GT(step.vertical_oscillation_m, 0.03);
    EXPECT_LT(step.vertical_oscillation_m, 0.15);
    // The side camera's perfect 2D measurement is close to the model's values.
    EXPECT_NEAR(step.knee_flexion_ic_camera_deg, step.knee_flexion_ic_deg, 3.0);
    EXPECT_GT(step.overstride_px, 0);
  }
}

TEST(RunnerModel, ForefootStrikeLandsToesFirst) {
  RunnerParams params = Steady();
  params.foot_strike_angle_deg = -8;
  const RunnerModel runner(params, 3.0);
  const GroundTruth truth = TruthFor(runner, CameraParams());
  for (const StepTruth& step : truth.steps) {
    EXPECT_NEAR(step.foot_strike_angle_deg, -8, 1e-6);
    EXPECT_NEAR(step.overstride_m, params.overstride_m, 1e-4);
    const BodyPose pose = runner.PoseAt(step.ic_s);
    EXPECT_NEAR(pose[kLeftBigToe + step.side].y(), 0.0, 1e-9);
    EXPECT_GT(pose[kLeftHeel + step.side].y(), 0.01);
  }
}

TEST(RunnerModel, FppaTruthEqualsRequestedValgusFromAnExactlyPosteriorCamera) {
  RunnerParams params = Steady();
  params.peak_valgus_deg = {9.0, -4.0};  // left valgus, right varus
  params.pelvic_drop_deg = {6.0, 2.0};
  const RunnerModel runner(params, 4.0);
  CameraParams far_rear;
  far_rear.view = View::kRear;
  far_rear.distance_m = 100;  // practically orthographic
  const GroundTruth truth = TruthFor(runner, far_rear);
  ASSERT_GE(truth.steps.size(), 8u);
  for (const StepTruth& step : truth.steps) {
    const double requested = step.side == kLeft ? 9.0 : -4.0;
    EXPECT_NEAR(step.fppa_peak_deg, requested, 0.01) << ToString(step.side);
    EXPECT_NEAR(step.fppa_peak_camera_deg, requested, 0.1) << ToString(step.side);
    // The pelvic drop peaks at the requested value; at the lowest pelvis (the rear-view
    // midstance, a little earlier) it is somewhat less.
    const double drop = step.side == kLeft ? 6.0 : 2.0;
    double peak_drop = 0;
    for (int k = 0; k <= 400; ++k) {
      const BodyPose pose = runner.PoseAt(step.ic_s + (step.to_s - step.ic_s) * k / 400.0);
      const Eigen::Vector3d stance_hip = pose[kLeftHip + step.side];
      const Eigen::Vector3d swing_hip = pose[kRightHip - step.side];
      peak_drop = std::max(peak_drop, std::atan2(stance_hip.y() - swing_hip.y(),
                                                 std::abs(stance_hip.z() - swing_hip.z())) *
                                          180 / kPi);
    }
    EXPECT_NEAR(peak_drop, drop, 1e-3);
    EXPECT_LE(step.pelvic_drop_deg, drop + 1e-6);
    EXPECT_GE(step.pelvic_drop_deg, 0.6 * drop);
    EXPECT_NEAR(step.pelvic_drop_camera_deg, step.pelvic_drop_deg, 0.1);
    // Valgus knee: the stance femur is adducted.
    if (step.side == kLeft) {
      EXPECT_GT(step.hip_adduction_deg, 0);
    }
  }
  // A real tripod at 3.5 m sees a slightly different projection; the truth says by how much.
  CameraParams near_rear = far_rear;
  near_rear.distance_m = 3.5;
  for (const StepTruth& step : TruthFor(runner, near_rear).steps) {
    EXPECT_NEAR(step.fppa_peak_camera_deg, step.fppa_peak_deg, 3.0);
  }
}

TEST(FrontalPlaneProjectionAngle, SignFollowsTheMidline) {
  // Left leg in a rear view: the midline is to the image-right of the leg.
  const Eigen::Vector2d hip(100, 100), ankle(100, 300);
  EXPECT_NEAR(FrontalPlaneProjectionAngleDeg(hip, {100, 200}, ankle, 150), 0.0, 1e-12);
  const double valgus = FrontalPlaneProjectionAngleDeg(hip, {110, 200}, ankle, 150);
  EXPECT_NEAR(valgus, 2 * std::atan(10.0 / 100) * 180 / kPi, 1e-9);
  EXPECT_NEAR(FrontalPlaneProjectionAngleDeg(hip, {90, 200}, ankle, 150), -valgus, 1e-12);
  // Mirror image (right leg): the knee towards the midline is valgus again.
  EXPECT_NEAR(FrontalPlaneProjectionAngleDeg({200, 100}, {190, 200}, {200, 300}, 150), valgus, 1e-12);
}

TEST(RunnerModel, IdenticalSeedsGiveIdenticalRunners) {
  RunnerParams params;
  params.seed = 42;
  const RunnerModel a(params, 3.0), b(params, 3.0);
  params.seed = 43;
  const RunnerModel c(params, 3.0);
  ASSERT_EQ(a.stances().size(), b.stances().size());
  for (std::size_t i = 0; i < a.stances().size(); ++i) {
    EXPECT_EQ(a.stances()[i].ic_s, b.stances()[i].ic_s);
  }
  EXPECT_EQ(a.PoseAt(1.234)[kLeftKnee], b.PoseAt(1.234)[kLeftKnee]);
  EXPECT_NE(a.stances()[5].ic_s, c.stances()[5].ic_s);
}

TEST(RunnerModel, RejectsImpossibleParametersWithTheFieldName) {
  RunnerParams params;
  params.cadence_spm = 500;
  try {
    RunnerModel runner(params, 2.0);
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("cadence_spm"), std::string::npos);
  }
  params = RunnerParams();
  params.knee_flexion_midstance_deg = 10;  // below flexion at contact
  EXPECT_THROW(RunnerModel(params, 2.0), OptionError);
  params = RunnerParams();
  params.duty_factor = 0.48;
  params.cadence_spm = 150;
  params.contact_time_s = 0.39;  // no flight phase left
  EXPECT_THROW(RunnerModel(params, 2.0), OptionError);
  EXPECT_THROW(RunnerModel(RunnerParams(), -1.0), OptionError);
}

}  // namespace
}  // namespace gaitlens::synth
