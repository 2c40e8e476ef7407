#include "gaitlens/synth/runner.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include <Eigen/Geometry>

#include "gaitlens/core/error.h"

namespace gaitlens::synth {

namespace {

constexpr double kPi = 3.14159265358979323846;
double Rad(double deg) { return deg * kPi / 180.0; }
double Deg(double rad) { return rad * 180.0 / kPi; }
// Smooth 0 -> 1 on s in [0, 1] with zero slope at both ends.
double Ease(double s) { return 0.5 - 0.5 * std::cos(kPi * std::clamp(s, 0.0, 1.0)); }

// Fraction of stance at which the foot is flat, the heel starts to rise, and the pelvis is lowest.
constexpr double kFootFlatPhase = 0.15;
constexpr double kHeelRisePhase = 0.55;
constexpr double kMidstancePhase = 0.45;

// 0 at contact and toe-off, 1 at the midstance phase, smooth: the shape of valgus and pelvic
// drop over a stance.
double MidstancePeak(double p) {
  const double warped =
      p < kMidstancePhase ? 0.5 * p / kMidstancePhase : 0.5 + 0.5 * (p - kMidstancePhase) / (1 - kMidstancePhase);
  return std::pow(std::sin(kPi * std::clamp(warped, 0.0, 1.0)), 2);
}

// Quintic Hermite: value, first and second derivative given at s = 0 and s = 1 (derivatives with
// respect to s).
double Quintic(double s, double p0, double v0, double a0, double p1, double v1, double a1) {
  const double s2 = s * s, s3 = s2 * s, s4 = s3 * s, s5 = s4 * s;
  const double h0 = 1 - 10 * s3 + 15 * s4 - 6 * s5, h1 = s - 6 * s3 + 8 * s4 - 3 * s5;
  const double h2 = 0.5 * (s2 - 3 * s3 + 3 * s4 - s5), h3 = 0.5 * (s3 - 2 * s4 + s5);
  const double h4 = -4 * s3 + 7 * s4 - 3 * s5, h5 = 10 * s3 - 15 * s4 + 6 * s5;
  return h0 * p0 + h1 * v0 + h2 * a0 + h3 * a1 + h4 * v1 + h5 * p1;
}

// Sagittal state of a foot: ankle (x, y), sole angle (rad, toes up positive).
struct FootState {
  double ankle_x = 0, ankle_y = 0, sole = 0;
};

}  // namespace

const char* ToString(Side side) { return side == kLeft ? "left" : "right"; }

void RunnerParams::Check() const {
  auto in = [](double value, double lo, double hi, const char* name) {
    GAITLENS_CHECK_INPUT(std::isfinite(value) && value >= lo && value <= hi, OptionError,
                         "RunnerParams.", name, " must be in [", lo, ", ", hi, "], got ", value);
  };
  in(cadence_spm, 120, 240, "cadence_spm");
  in(belt_speed_m_s, 1, 8, "belt_speed_m_s");
  in(height_m, 1.2, 2.2, "height_m");
  in(duty_factor, 0.2, 0.48, "duty_factor");
  in(contact_time_s, 0, 0.6, "contact_time_s");
  in(overstride_m, -0.1, 0.45, "overstride_m");
  in(knee_flexion_ic_deg, 2, 70, "knee_flexion_ic_deg");
  in(knee_flexion_midstance_deg, 2, 70, "knee_flexion_midstance_deg");
  in(knee_flexion_to_deg, 2, 70, "knee_flexion_to_deg");
  in(foot_strike_angle_deg, -25, 30, "foot_strike_angle_deg");
  in(toe_off_angle_deg, 10, 60, "toe_off_angle_deg");
  in(swing_knee_flexion_deg, 40, 150, "swing_knee_flexion_deg");
  in(peak_valgus_deg[0], -20, 30, "peak_valgus_deg[left]");
  in(peak_valgus_deg[1], -20, 30, "peak_valgus_deg[right]");
  in(pelvic_drop_deg[0], -5, 15, "pelvic_drop_deg[left]");
  in(pelvic_drop_deg[1], -5, 15, "pelvic_drop_deg[right]");
  in(trunk_lean_deg, -10, 30, "trunk_lean_deg");
  in(arm_swing_deg, 0, 80, "arm_swing_deg");
  in(elbow_flexion_deg, 20, 140, "elbow_flexion_deg");
  in(step_time_asymmetry_pct, -20, 20, "step_time_asymmetry_pct");
  in(step_width_m, -0.05, 0.3, "step_width_m");
  in(variability_cv, 0, 0.1, "variability_cv");
  GAITLENS_CHECK_INPUT(knee_flexion_midstance_deg > knee_flexion_ic_deg &&
                           knee_flexion_midstance_deg > knee_flexion_to_deg,
                       OptionError,
                       "RunnerParams.knee_flexion_midstance_deg (", knee_flexion_midstance_deg,
                       ") must exceed the flexion at initial contact (", knee_flexion_ic_deg,
                       ") and at toe-off (", knee_flexion_to_deg, ")");
}

BodyDimensions DimensionsFromHeight(double h) {
  // Segment lengths as fractions of height after Winter, Biomechanics and Motor Control of Human
  // Movement (2009), fig. 4.1; hip and shoulder joint spacing rounded from the same figure.
  BodyDimensions d;
  d.thigh = 0.245 * h;
  d.shank = 0.246 * h;
  d.foot = 0.152 * h;
  d.ankle_height = 0.039 * h;
  d.heel_behind_ankle = 0.25 * d.foot;
  d.hip_width = 0.10 * h;
  d.shoulder_width = 0.20 * h;
  d.trunk = 0.288 * h;
  d.neck = 0.05 * h;
  d.head = 0.132 * h;
  d.upper_arm = 0.186 * h;
  d.forearm = 0.146 * h;
  d.hand = 0.108 * h;
  return d;
}

struct RunnerModel::Impl {
  RunnerParams params;
  BodyDimensions dims;
  double duration_s = 0;
  double stride_s = 0;
  std::vector<Stance> stances;
  std::array<std::vector<int>, 2> by_side;  // indices into stances, per side
  std::vector<double> heel_track_ic;        // belt-frame heel x at each IC

  double SoleLength() const { return dims.foot; }
  double FootZ(Side side) const { return (side == kLeft ? -0.5 : 0.5) * params.step_width_m; }
  double Lateral(Side side) const { return side == kLeft ? -1.0 : 1.0; }

  // Stance foot state at time t of stance i.
  FootState StanceFoot(int i, double t) const {
    const Stance& s = stances[i];
    const double p = (t - s.ic_s) / (s.to_s - s.ic_s);
    const double strike = Rad(params.foot_strike_angle_deg);
    double sole;
    if (p < kFootFlatPhase) {
      sole = strike * (1 - Ease(p / kFootFlatPhase));
    } else if (p < kHeelRisePhase) {
      sole = 0;
    } else {
      const double q = (p - kHeelRisePhase) / (1 - kHeelRisePhase);
      sole = -Rad(params.toe_off_angle_deg) * q * q;
    }
    const double heel_track = heel_track_ic[i] - params.belt_speed_m_s * (t - s.ic_s);
    const double ls = SoleLength();
    double heel_x, heel_y;
    if (sole >= 0) {
      heel_x = heel_track;
      heel_y = 0;
    } else {
      const double toe_x = heel_track + ls;
      heel_x = toe_x - ls * std::cos(sole);
      heel_y = -ls * std::sin(sole);
    }
    FootState f;
    f.sole = sole;
    f.ankle_x = heel_x + dims.heel_behind_ankle * std::cos(sole) - dims.ankle_height * std::sin(sole);
    f.ankle_y = heel_y + dims.heel_behind_ankle * std::sin(sole) + dims.ankle_height * std::cos(sole);
    return f;
  }

  // Hip-to-ankle geometry of stance i at time t: knee flexion kappa (rad, from the 3D hip-ankle
  // distance) and the sagittal angle gamma of hip->ankle from vertical (rad, forward positive).
  void LegAngles(int i, double t, double* kappa, double* gamma) const {
    const Side side = stances[i].side;
    const FootState foot = StanceFoot(i, t);
    const Eigen::Vector3d hip = Hip(side, pelvis_y(t), PelvisRoll(t));
    const Eigen::Vector3d ankle(foot.ankle_x, foot.ankle_y, FootZ(side));
    const double a = dims.thigh, b = dims.shank, d = (ankle - hip).norm();
    *kappa = std::acos(std::clamp((d * d - a * a - b * b) / (2 * a * b), -1.0, 1.0));
    *gamma = std::atan2(ankle.x() - hip.x(), hip.y() - ankle.y());
  }

  // Swing foot between stance i (toe-off) and stance j (the same foot's next initial contact):
  // knee flexion and the hip-ankle angle move smoothly (quintic, matching value and rate at both
  // ends) with the heel-recovery knee flexion added in mid-swing, so the leg never over-reaches.
  FootState SwingFoot(int i, int j, double t, Eigen::Vector3d* ankle_out) const {
    const double t0 = stances[i].to_s, t1 = stances[j].ic_s, T = t1 - t0;
    const double h = 1e-6;
    double k0, g0, k0p, g0p, k1, g1, k1n, g1n;
    LegAngles(i, t0, &k0, &g0);
    LegAngles(i, t0 - h, &k0p, &g0p);
    LegAngles(j, t1, &k1, &g1);
    LegAngles(j, t1 + h, &k1n, &g1n);
    const double s = (t - t0) / T;
    // The knee flexes fast just after contact; arriving at that full rate would make the swing
    // knee hyperextend before landing, so it arrives at a quarter of it (a brief kink at
    // contact, as the impact gives).
    const double k1_rate = 0.25 * (k1n - k1) / h * T;
    double kappa = Quintic(s, k0, (k0 - k0p) / h * T, 0, k1, k1_rate, 0);
    double gamma = Quintic(s, g0, (g0 - g0p) / h * T, 0, g1, (g1n - g1) / h * T, 0);
    // Heel recovery: extra knee flexion peaking at 40 % of swing.
    const double bump = s * s * std::pow(1 - s, 3) / (0.4 * 0.4 * 0.6 * 0.6 * 0.6);
    const double base_at_peak = Quintic(0.4, k0, (k0 - k0p) / h * T, 0, k1, k1_rate, 0);
    kappa += std::max(0.0, Rad(params.swing_knee_flexion_deg) - base_at_peak) * bump;
    const FootState a = StanceFoot(i, t0), a_prev = StanceFoot(i, t0 - h);
    const FootState b = StanceFoot(j, t1), b_next = StanceFoot(j, t1 + h);
    FootState f;
    f.sole = Quintic(s, a.sole, (a.sole - a_prev.sole) / h * T, 0, b.sole,
                     (b_next.sole - b.sole) / h * T, 0);
    // Fast toe-offs would carry the plantarflexion on past vertical: softly floor it at -80 deg.
    const double floor = -Rad(75.0), soft = Rad(5.0);
    if (f.sole < floor) f.sole = floor - soft * std::tanh((floor - f.sole) / soft);
    const Side side = stances[i].side;
    const Eigen::Vector3d hip = Hip(side, pelvis_y(t), PelvisRoll(t));
    const double aa = dims.thigh, bb = dims.shank;
    const double dz = FootZ(side) - hip.z();
    // The foot must clear the belt: the ankle must be at least this high for the sole angle
    // (2 mm of clearance in mid-swing, none at toe-off and contact where it touches).
    const double toe_ahead = dims.foot - dims.heel_behind_ankle;
    const double ss = std::sin(f.sole), cs = std::cos(f.sole);
    const double clearance = 0.002 * std::sin(kPi * s);
    const double min_ankle_y = clearance + dims.ankle_height * cs +
                               std::max(dims.heel_behind_ankle * ss, -toe_ahead * ss);
    // Bend the knee at least enough for that: the leg's sagittal reach below the hip at angle
    // gamma is limited to (hip height - min ankle height) / cos(gamma).
    if (std::cos(gamma) > 1e-6) {
      const double sagittal_max = (hip.y() - min_ankle_y) / std::cos(gamma);
      const double d_max = std::sqrt(sagittal_max * sagittal_max + dz * dz);
      if (d_max < aa + bb) {
        const double kappa_min =
            std::acos(std::clamp((d_max * d_max - aa * aa - bb * bb) / (2 * aa * bb), -1.0, 1.0));
        // Smooth maximum (width up to 1 degree, none at the ends) so the knee does not kink.
        const double width = Rad(1.0) * std::sin(kPi * s);
        const double diff = kappa - kappa_min;
        kappa = kappa_min + 0.5 * (diff + std::sqrt(diff * diff + width * width));
      }
    }
    kappa = std::max(kappa, Rad(2.0));
    const double d = std::sqrt(aa * aa + bb * bb + 2 * aa * bb * std::cos(kappa));
    const double sagittal = std::sqrt(std::max(0.0, d * d - dz * dz));
    f.ankle_x = hip.x() + sagittal * std::sin(gamma);
    f.ankle_y = hip.y() - sagittal * std::cos(gamma);
    if (ankle_out != nullptr) *ankle_out = Eigen::Vector3d(f.ankle_x, f.ankle_y, FootZ(side));
    return f;
  }

  // Index of the stance of `side` containing t, or -1; *previous / *next = neighbouring stances.
  int LocateStance(Side side, double t, int* previous, int* next) const {
    const std::vector<int>& list = by_side[side];
    const auto after = std::upper_bound(list.begin(), list.end(), t, [&](double time, int index) {
      return time < stances[index].ic_s;
    });
    const int lo = static_cast<int>(after - list.begin()) - 1;
    *previous = lo >= 0 ? list[lo] : -1;
    *next = lo + 1 < static_cast<int>(list.size()) ? list[lo + 1] : -1;
    return lo >= 0 && t <= stances[list[lo]].to_s ? list[lo] : -1;
  }

  // Like LocateStance, but t must lie between two stances of the schedule.
  int LocateStanceStrict(Side side, double t, int* previous, int* next) const {
    const int stance = LocateStance(side, t, previous, next);
    GAITLENS_CHECK_INPUT(*previous >= 0 && *next >= 0, OptionError, "synthetic runner evaluated at ",
                         t, " s, outside its schedule");
    return stance;
  }

  FootState Foot(Side side, double t, double* stance_phase) const {
    int previous, next;
    const int stance = LocateStanceStrict(side, t, &previous, &next);
    if (stance >= 0) {
      *stance_phase = (t - stances[stance].ic_s) / (stances[stance].to_s - stances[stance].ic_s);
      return StanceFoot(stance, t);
    }
    *stance_phase = -1;
    return SwingFoot(previous, next, t, nullptr);
  }

  // Signed pelvic roll (rad): > 0 lowers the right hip.
  double PelvisRoll(double t) const {
    double roll = 0;
    for (Side side : {kLeft, kRight}) {
      int previous, next;
      const int stance = LocateStance(side, t, &previous, &next);
      if (stance < 0) continue;
      const Stance& s = stances[stance];
      const double p = (t - s.ic_s) / (s.to_s - s.ic_s);
      const double sign = side == kLeft ? 1.0 : -1.0;  // left stance drops the right hip
      roll += sign * Rad(s.pelvic_drop_deg) * MidstancePeak(p);
    }
    return roll;
  }

  double ValgusTarget(Side side, double t) const {
    int previous, next;
    const int stance = LocateStance(side, t, &previous, &next);
    if (stance < 0) return 0;
    const Stance& s = stances[stance];
    const double p = (t - s.ic_s) / (s.to_s - s.ic_s);
    return s.peak_valgus_deg * MidstancePeak(p);
  }

  // Fraction of the current stride of `side` elapsed at t (0 at its initial contact).
  double StridePhase(Side side, double t) const {
    int previous, next;
    LocateStanceStrict(side, t, &previous, &next);
    return (t - stances[previous].ic_s) / (stances[next].ic_s - stances[previous].ic_s);
  }

  Eigen::Vector3d Hip(Side side, double pelvis_height, double roll) const {
    const double half = 0.5 * dims.hip_width;
    const double lateral = Lateral(side);
    // Roll about the forward axis: right hip goes down for roll > 0.
    return {0.0, pelvis_height - lateral * half * std::sin(roll), lateral * half * std::cos(roll)};
  }

  // Knee on the circle of possible knees, swivelled medially by psi from the forward-facing knee.
  Eigen::Vector3d KneeAt(const Eigen::Vector3d& hip, const Eigen::Vector3d& ankle, Side side,
                         double psi) const {
    const double a = dims.thigh, b = dims.shank;
    const Eigen::Vector3d axis = ankle - hip;
    const double d = axis.norm();
    const Eigen::Vector3d u = axis / d;
    const double c = (a * a - b * b + d * d) / (2 * d);
    const double r = std::sqrt(std::max(0.0, a * a - c * c));
    Eigen::Vector3d forward(1, 0, 0);
    Eigen::Vector3d e1 = (forward - forward.dot(u) * u).normalized();
    Eigen::Vector3d e2 = u.cross(e1);
    const Eigen::Vector3d medial(0, 0, -Lateral(side));
    if (e2.dot(medial) < 0) e2 = -e2;
    return hip + c * u + r * (std::cos(psi) * e1 + std::sin(psi) * e2);
  }

  // Frontal plane projection angle of hip-knee-ankle in an orthographic rear view (degrees,
  // valgus positive).
  static double FrontalAngle(const Eigen::Vector3d& hip, const Eigen::Vector3d& knee,
                             const Eigen::Vector3d& ankle, double midline_z) {
    const Eigen::Vector2d h(hip.z(), hip.y()), k(knee.z(), knee.y()), an(ankle.z(), ankle.y());
    const Eigen::Vector2d u = k - h, v = an - k;
    const double angle = Deg(std::atan2(std::abs(u.x() * v.y() - u.y() * v.x()), u.dot(v)));
    // Knee offset from the hip-ankle line at the knee's height, towards the midline = valgus.
    const double along = (k.y() - h.y()) / (an.y() - h.y());
    const double line_z = h.x() + along * (an.x() - h.x());
    const double medial_sign = midline_z > line_z ? 1.0 : -1.0;
    return (k.x() - line_z) * medial_sign >= 0 ? angle : -angle;
  }

  Eigen::Vector3d SolveKnee(const Eigen::Vector3d& hip, const Eigen::Vector3d& ankle, Side side,
                            double target_deg, double midline_z) const {
    if (target_deg == 0.0) return KneeAt(hip, ankle, side, 0.0);
    double lo = -Rad(75), hi = Rad(75);
    auto f = [&](double psi) {
      return FrontalAngle(hip, KneeAt(hip, ankle, side, psi), ankle, midline_z) - target_deg;
    };
    const double f_lo = f(lo), f_hi = f(hi);
    GAITLENS_CHECK_INPUT(f_lo < 0 && f_hi > 0, OptionError, "synthetic runner: a knee valgus of ",
                         target_deg, " deg is not reachable with this knee flexion");
    for (int iteration = 0; iteration < 60; ++iteration) {
      const double mid = 0.5 * (lo + hi);
      (f(mid) < 0 ? lo : hi) = mid;
    }
    return KneeAt(hip, ankle, side, 0.5 * (lo + hi));
  }

  BodyPose Pose(double t, bool strict) const {
    BodyPose pose;
    pose.time_s = t;
    auto& P = pose.points;
    const double roll = PelvisRoll(t);
    const double pelvis_height = pelvis_y(t);
    P[kPelvisCentre] = {0.0, pelvis_height, 0.0};
    const double lean = Rad(params.trunk_lean_deg);
    const Eigen::Vector3d up_trunk(std::sin(lean), std::cos(lean), 0);
    const double scale = params.height_m / 1.75;

    for (Side side : {kLeft, kRight}) {
      const int o = side;  // left/right offset in the paired BodyPoint enum
      double phase;
      const FootState foot = Foot(side, t, &phase);
      const double z = FootZ(side);
      const Eigen::Vector3d hip = Hip(side, pelvis_height, roll);
      Eigen::Vector3d ankle(foot.ankle_x, foot.ankle_y, z);
      const double reach = dims.leg() * 0.9995;
      if ((ankle - hip).norm() > reach) {
        GAITLENS_CHECK_INPUT(!(strict && phase >= 0), OptionError,
                             "synthetic runner: the stance leg cannot reach the belt at ", t,
                             " s; lower knee_flexion_to_deg/knee_flexion_ic_deg or overstride_m");
        ankle = hip + (ankle - hip).normalized() * reach;  // swing: keep the leg's length
      }
      P[kLeftHip + o] = hip;
      P[kLeftAnkle + o] = ankle;
      P[kLeftKnee + o] = SolveKnee(hip, ankle, side, phase >= 0 ? ValgusTarget(side, t) : 0.0, 0.0);
      const double c = std::cos(foot.sole), s = std::sin(foot.sole);
      const Eigen::Vector3d heel(ankle.x() - dims.heel_behind_ankle * c + dims.ankle_height * s,
                                 ankle.y() - dims.heel_behind_ankle * s - dims.ankle_height * c, z);
      P[kLeftHeel + o] = heel;
      P[kLeftBigToe + o] = heel + Eigen::Vector3d(dims.foot * c, dims.foot * s, 0);
      P[kLeftSmallToe + o] =
          heel + Eigen::Vector3d(0.8 * dims.foot * c, 0.8 * dims.foot * s, Lateral(side) * 0.035 * scale);
    }

    const Eigen::Vector3d mid_shoulder = P[kPelvisCentre] + dims.trunk * up_trunk;
    P[kNeckBase] = mid_shoulder + dims.neck * up_trunk;
    const Eigen::Vector3d up_head(std::sin(0.5 * lean), std::cos(0.5 * lean), 0);
    P[kHeadTop] = P[kNeckBase] + dims.head * up_head;
    const Eigen::Vector3d forward(1, 0, 0), right(0, 0, 1);
    P[kNose] = P[kNeckBase] + 0.45 * dims.head * up_head + 0.09 * scale * forward;
    P[kLeftEye] = P[kNeckBase] + 0.6 * dims.head * up_head + 0.075 * scale * forward - 0.032 * scale * right;
    P[kRightEye] = P[kNeckBase] + 0.6 * dims.head * up_head + 0.075 * scale * forward + 0.032 * scale * right;
    P[kLeftEar] = P[kNeckBase] + 0.52 * dims.head * up_head - 0.01 * scale * forward - 0.075 * scale * right;
    P[kRightEar] = P[kNeckBase] + 0.52 * dims.head * up_head - 0.01 * scale * forward + 0.075 * scale * right;

    for (Side side : {kLeft, kRight}) {
      const int o = side;
      const Side opposite = side == kLeft ? kRight : kLeft;
      // The arm swings forward as the opposite leg does: fully forward at its initial contact.
      const double swing = Rad(params.arm_swing_deg) * std::cos(2 * kPi * StridePhase(opposite, t));
      const Eigen::Vector3d shoulder = mid_shoulder + Lateral(side) * 0.5 * dims.shoulder_width * right;
      const Eigen::Vector3d upper(std::sin(swing), -std::cos(swing), 0);
      const double fore_angle = swing + Rad(params.elbow_flexion_deg);
      const Eigen::Vector3d fore(std::sin(fore_angle), -std::cos(fore_angle), 0);
      P[kLeftShoulder + o] = shoulder;
      P[kLeftElbow + o] = shoulder + dims.upper_arm * upper - Lateral(side) * 0.02 * scale * right;
      P[kLeftWrist + o] = P[kLeftElbow + o] + dims.forearm * fore - Lateral(side) * 0.03 * scale * right;
      P[kLeftHand + o] = P[kLeftWrist + o] + 0.5 * dims.hand * fore;
    }
    return pose;
  }

  Eigen::Vector3d Com(const BodyPose& pose) const {
    // de Leva (1996) mass fractions and centre-of-mass positions from the proximal end.
    struct Segment { int proximal, distal; double mass_m, com_m, mass_f, com_f; };
    const Eigen::Vector3d mid_hip = 0.5 * (pose[kLeftHip] + pose[kRightHip]);
    const Eigen::Vector3d mid_shoulder = 0.5 * (pose[kLeftShoulder] + pose[kRightShoulder]);
    const bool male = params.sex == Sex::kMale;
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    double mass = 0;
    auto add = [&](const Eigen::Vector3d& proximal, const Eigen::Vector3d& distal, double mass_m,
                   double com_m, double mass_f, double com_f) {
      const double m = male ? mass_m : mass_f, r = male ? com_m : com_f;
      sum += m * (proximal + r * (distal - proximal));
      mass += m;
    };
    add(pose[kHeadTop], pose[kNeckBase], .0694, .5002, .0668, .4841);
    add(mid_shoulder, mid_hip, .4346, .5138, .4257, .4964);
    for (int o = 0; o < 2; ++o) {
      add(pose[kLeftShoulder + o], pose[kLeftElbow + o], .0271, .5772, .0255, .5754);
      add(pose[kLeftElbow + o], pose[kLeftWrist + o], .0162, .4574, .0138, .4559);
      add(pose[kLeftWrist + o], pose[kLeftHand + o], .0061, .7900, .0056, .7474);
      add(pose[kLeftHip + o], pose[kLeftKnee + o], .1416, .4095, .1478, .3612);
      add(pose[kLeftKnee + o], pose[kLeftAnkle + o], .0433, .4459, .0481, .4416);
      add(pose[kLeftHeel + o], pose[kLeftBigToe + o], .0137, .4415, .0129, .4014);
    }
    return sum / mass;
  }

  void Schedule(std::mt19937_64* rng) {
    std::normal_distribution<double> normal(0.0, 1.0);
    const double cv = params.variability_cv;
    stride_s = 2 * 60.0 / params.cadence_spm;
    const double asym = params.step_time_asymmetry_pct / 200.0;
    const std::array<double, 2> step = {0.5 * stride_s * (1 + asym), 0.5 * stride_s * (1 - asym)};
    const double contact = params.contact_time_s > 0 ? params.contact_time_s
                                                     : params.duty_factor * stride_s;
    GAITLENS_CHECK_INPUT(std::min(step[0], step[1]) - contact >= 0.03, OptionError,
                         "synthetic runner: contact time ", contact, " s leaves no flight phase in a ",
                         std::min(step[0], step[1]), " s step; lower duty_factor or contact_time_s");
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    // Start three strides early so that every time in the clip has stances on both sides around it.
    double t = -stride_s * (3.0 + uniform(*rng));
    Side side = kLeft;
    while (t < duration_s + 3 * stride_s) {
      Stance s;
      s.side = side;
      s.ic_s = t;
      const double step_time = step[side] * (1 + cv * std::clamp(normal(*rng), -3.0, 3.0));
      const double contact_time = contact * (1 + cv * std::clamp(normal(*rng), -3.0, 3.0));
      s.to_s = t + std::min(contact_time, step_time - 0.02);
      s.overstride_m = params.overstride_m + cv * dims.leg() * std::clamp(normal(*rng), -3.0, 3.0);
      s.peak_valgus_deg = params.peak_valgus_deg[side] + 50 * cv * std::clamp(normal(*rng), -3.0, 3.0);
      s.pelvic_drop_deg = params.pelvic_drop_deg[side] + 50 * cv * std::clamp(normal(*rng), -3.0, 3.0);
      by_side[side].push_back(static_cast<int>(stances.size()));
      stances.push_back(s);
      t += step_time;
      side = side == kLeft ? kRight : kLeft;
    }
  }

  // Pelvis centre height at which the hip of stance `i` is at the given knee flexion at time t.
  double PelvisHeightFor(int i, double t, double knee_flexion_deg) const {
    const Side side = stances[i].side;
    const FootState foot = StanceFoot(i, t);
    const double a = dims.thigh, b = dims.shank;
    const double d = std::sqrt(a * a + b * b + 2 * a * b * std::cos(Rad(knee_flexion_deg)));
    const double roll = PelvisRoll(t);
    const Eigen::Vector3d hip_offset = Hip(side, 0.0, roll);  // hip relative to the pelvis centre
    const double dx = foot.ankle_x - hip_offset.x(), dz = FootZ(side) - hip_offset.z();
    const double vertical_sq = d * d - dx * dx - dz * dz;
    GAITLENS_CHECK_INPUT(vertical_sq > 0, OptionError,
                         "synthetic runner: with knee flexion ", knee_flexion_deg,
                         " deg the leg cannot reach a foot ", dx,
                         " m ahead of the hip; lower overstride_m or raise the knee flexion");
    return foot.ankle_y + std::sqrt(vertical_sq) - hip_offset.y();
  }

  // Knee flexion (deg) prescribed over stance phase p: contact -> peak at midstance -> toe-off.
  double StanceKneeFlexion(double p) const {
    if (p < kMidstancePhase) {
      return params.knee_flexion_ic_deg + (params.knee_flexion_midstance_deg - params.knee_flexion_ic_deg) *
                                              Ease(p / kMidstancePhase);
    }
    return params.knee_flexion_midstance_deg +
           (params.knee_flexion_to_deg - params.knee_flexion_midstance_deg) *
               Ease((p - kMidstancePhase) / (1 - kMidstancePhase));
  }

  double StancePelvisY(int i, double t) const {
    const Stance& s = stances[i];
    const double p = std::clamp((t - s.ic_s) / (s.to_s - s.ic_s), 0.0, 1.0);
    return PelvisHeightFor(i, t, StanceKneeFlexion(p));
  }

  // Pelvis centre height: set by the stance leg's knee flexion while a foot is down; in flight a
  // cubic Hermite that matches height and vertical velocity at toe-off and the next contact.
  double pelvis_y(double t) const {
    const auto after = std::upper_bound(stances.begin(), stances.end(), t,
                                        [](double time, const Stance& s) { return time < s.ic_s; });
    const int i = static_cast<int>(after - stances.begin()) - 1;
    GAITLENS_CHECK_INPUT(i >= 0 && i + 1 < static_cast<int>(stances.size()), OptionError,
                         "synthetic runner evaluated at ", t, " s, outside its schedule");
    if (t <= stances[i].to_s) return StancePelvisY(i, t);
    const double t0 = stances[i].to_s, t1 = stances[i + 1].ic_s, T = t1 - t0, h = 1e-6;
    const double y0 = StancePelvisY(i, t0), y1 = StancePelvisY(i + 1, t1);
    const double v0 = (y0 - StancePelvisY(i, t0 - h)) / h * T;
    const double v1 = (StancePelvisY(i + 1, t1 + h) - y1) / h * T;
    const double u = (t - t0) / T, u2 = u * u, u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * y0 + (u3 - 2 * u2 + u) * v0 + (-2 * u3 + 3 * u2) * y1 +
           (u3 - u2) * v1;
  }

  void Build() {
    std::mt19937_64 rng(params.seed);
    Schedule(&rng);
    heel_track_ic.assign(stances.size(), 0.0);
    for (std::size_t i = 0; i < stances.size(); ++i) heel_track_ic[i] = stances[i].overstride_m;
    // The landing point depends on the centre of mass at contact, which depends weakly on the
    // landing point (the stance leg is ~20 % of body mass): a few fixed-point rounds converge to
    // well below a micrometre.
    const double ls = SoleLength();
    const double strike = Rad(params.foot_strike_angle_deg);
    const double heel_from_track = strike < 0 ? ls - ls * std::cos(strike) : 0.0;
    for (int round = 0; round < 8; ++round) {
      // The first and last two stances only anchor the schedule outside the clip.
      for (std::size_t i = 2; i + 2 < stances.size(); ++i) {
        const BodyPose pose = Pose(stances[i].ic_s, /*strict=*/false);
        const double com_x = Com(pose).x();
        heel_track_ic[i] = com_x + stances[i].overstride_m - heel_from_track;
      }
    }
  }
};

RunnerModel::RunnerModel(const RunnerParams& params, double duration_s)
    : impl_(std::make_unique<Impl>()) {
  params.Check();
  GAITLENS_CHECK_INPUT(std::isfinite(duration_s) && duration_s > 0 && duration_s <= 3600,
                       OptionError, "synthetic clip duration must be in (0, 3600] s, got ",
                       duration_s);
  impl_->params = params;
  impl_->dims = DimensionsFromHeight(params.height_m);
  impl_->duration_s = duration_s;
  impl_->Build();
  // Every stance inside the clip must be physically possible.
  for (const Stance& s : impl_->stances) {
    if (s.to_s < 0 || s.ic_s > duration_s) continue;
    for (int k = 0; k <= 20; ++k) impl_->Pose(s.ic_s + (s.to_s - s.ic_s) * k / 20.0, true);
  }
}

RunnerModel::~RunnerModel() = default;
RunnerModel::RunnerModel(RunnerModel&&) noexcept = default;
RunnerModel& RunnerModel::operator=(RunnerModel&&) noexcept = default;

const RunnerParams& RunnerModel::params() const { return impl_->params; }
const BodyDimensions& RunnerModel::dimensions() const { return impl_->dims; }
double RunnerModel::duration_s() const { return impl_->duration_s; }
const std::vector<Stance>& RunnerModel::stances() const { return impl_->stances; }
BodyPose RunnerModel::PoseAt(double time_s) const { return impl_->Pose(time_s, false); }
Eigen::Vector3d RunnerModel::CentreOfMass(const BodyPose& pose) const { return impl_->Com(pose); }

bool RunnerModel::InStance(Side side, double time_s) const {
  int previous, next;
  return impl_->LocateStance(side, time_s, &previous, &next) >= 0;
}

}  // namespace gaitlens::synth
