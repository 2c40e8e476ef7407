// Software rendering of the synthetic runner with OpenCV's 2D primitives: every 3D shape is
// projected through the Camera and drawn back to front (painter's algorithm). Limbs are tapered
// capsules shaded like cylinders with concentric bands; the torso and the head are small meshes
// with Lambert shading; the treadmill is made of boxes and cylinders. The static part of the
// scene (wall, floor, treadmill parts behind the runner) is ray-cast once per camera and cached.
#include "gaitlens/synth/render.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <Eigen/Geometry>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/video_writer.h"

namespace gaitlens::synth {

namespace {

using Vec3 = Eigen::Vector3d;

constexpr double kPi = 3.14159265358979323846;
constexpr int kShift = 4;       // sub-pixel bits of every OpenCV drawing call
constexpr double kSub = 16.0;   // 1 << kShift
constexpr double kNear = 0.05;  // near clipping plane, m

// ---------------------------------------------------------------------------------------------
// Colours (BGR) and small helpers.

cv::Scalar Mul(const cv::Scalar& c, double k) {
  return cv::Scalar(std::clamp(c[0] * k, 0.0, 255.0), std::clamp(c[1] * k, 0.0, 255.0),
                    std::clamp(c[2] * k, 0.0, 255.0));
}

cv::Point Fix(double x, double y) {
  return cv::Point(static_cast<int>(std::lround(std::clamp(x, -1e6, 1e6) * kSub)),
                   static_cast<int>(std::lround(std::clamp(y, -1e6, 1e6) * kSub)));
}
cv::Point Fix(const cv::Point2d& p) { return Fix(p.x, p.y); }

// Deterministic hashing for textures.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
double Hash01(std::int64_t a, std::int64_t b, std::uint64_t seed) {
  const std::uint64_t h = Mix(seed ^ Mix(static_cast<std::uint64_t>(a) * 0x100000001B3ull ^
                                         Mix(static_cast<std::uint64_t>(b))));
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}
// Smooth value noise in [0, 1] on a unit grid.
double ValueNoise(double x, double y, std::uint64_t seed) {
  const double fx = std::floor(x), fy = std::floor(y);
  const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
  double tx = x - fx, ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const double a = Hash01(ix, iy, seed), b = Hash01(ix + 1, iy, seed);
  const double c = Hash01(ix, iy + 1, seed), d = Hash01(ix + 1, iy + 1, seed);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

// A small deterministic generator (std distributions differ between standard libraries).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(Mix(seed ^ 0x5EEDC0FFEEull)) {}
  double Uniform(double lo, double hi) {
    state_ = Mix(state_);
    return lo + (hi - lo) * (static_cast<double>(state_ >> 11) * (1.0 / 9007199254740992.0));
  }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// Camera geometry, recovered from Camera's public Project/Depth so that we can clip against the
// near plane and cast rays.

class CameraFrame {
 public:
  explicit CameraFrame(const Camera& camera)
      : pos_(camera.position()),
        f_(camera.focal_px()),
        cx_(0.5 * camera.params().width),
        cy_(0.5 * camera.params().height),
        width_(camera.params().width),
        height_(camera.params().height) {
    // A direction roughly along the optical axis (mounting errors are at most 20 degrees).
    Vec3 d0(-pos_.x(), 0.0, -pos_.z());
    if (d0.norm() < 1e-9) {
      d0 = Vec3(1, 0, 0);
    }
    d0.normalize();
    auto to_camera = [&](const Vec3& d) {
      const Vec3 w = pos_ + d;
      const double z = camera.Depth(w);
      const Eigen::Vector2d p = camera.Project(w);
      return Vec3((p.x() - cx_) * z / f_, (p.y() - cy_) * z / f_, z);
    };
    const Vec3 c0 = to_camera(d0);
    for (int i = 0; i < 3; ++i) {
      rot_.col(i) = (to_camera(d0 + 0.1 * Vec3::Unit(i)) - c0) / 0.1;
    }
    // Light from the upper left, from the camera's side of the scene.
    light_camera_ = Vec3(-0.45, -0.75, -0.5).normalized();
    light_world_ = rot_.transpose() * light_camera_;
    light_image_ = cv::Point2d(light_camera_.x(), light_camera_.y()) *
                   (1.0 / std::hypot(light_camera_.x(), light_camera_.y()));
    horizontal_forward_ = d0;
  }

  Vec3 ToCamera(const Vec3& world) const { return rot_ * (world - pos_); }
  double Depth(const Vec3& world) const { return rot_.row(2).dot(world - pos_); }
  cv::Point2d Pixel(const Vec3& c) const {
    return {cx_ + f_ * c.x() / c.z(), cy_ + f_ * c.y() / c.z()};
  }
  cv::Point2d Project(const Vec3& world) const { return Pixel(ToCamera(world)); }
  // World direction of the ray through pixel (x, y) (not normalised).
  Vec3 Ray(double x, double y) const {
    return rot_.transpose() * Vec3((x - cx_) / f_, (y - cy_) / f_, 1.0);
  }
  const Vec3& position() const { return pos_; }
  double focal() const { return f_; }
  int width() const { return width_; }
  int height() const { return height_; }
  const Vec3& light_world() const { return light_world_; }
  const cv::Point2d& light_image() const { return light_image_; }
  // Horizontal unit vector from the camera towards the runner.
  const Vec3& horizontal_forward() const { return horizontal_forward_; }

 private:
  Vec3 pos_;
  double f_, cx_, cy_;
  int width_, height_;
  Eigen::Matrix3d rot_;
  Vec3 light_camera_, light_world_, horizontal_forward_;
  cv::Point2d light_image_;
};

// ---------------------------------------------------------------------------------------------
// 2D primitives.

// Outline of a tapered capsule (two discs and their outer tangents), in fixed point.
void CapsuleOutline(cv::Point2d a, cv::Point2d b, double ra, double rb,
                    std::vector<cv::Point>* out) {
  out->clear();
  ra = std::max(ra, 0.3);
  rb = std::max(rb, 0.3);
  auto arc = [&](cv::Point2d c, double r, double from, double to) {
    const int n = std::clamp(static_cast<int>(std::ceil(std::abs(to - from) * r / 2.5)), 2, 28);
    for (int i = 0; i <= n; ++i) {
      const double angle = from + (to - from) * i / n;
      out->push_back(Fix(c.x + r * std::cos(angle), c.y + r * std::sin(angle)));
    }
  };
  const double dx = b.x - a.x, dy = b.y - a.y, length = std::hypot(dx, dy);
  if (length <= std::abs(ra - rb) + 1e-6) {
    if (ra >= rb) {
      arc(a, ra, 0, 2 * kPi);
    } else {
      arc(b, rb, 0, 2 * kPi);
    }
    return;
  }
  const double theta = std::atan2(dy, dx);
  const double half = 0.5 * kPi - std::asin((ra - rb) / length);
  arc(b, rb, theta - half, theta + half);
  arc(a, ra, theta + half, theta + 2 * kPi - half);
}

void FillCapsule(cv::Mat& img, cv::Point2d a, cv::Point2d b, double ra, double rb,
                 const cv::Scalar& colour) {
  thread_local std::vector<cv::Point> outline;
  CapsuleOutline(a, b, ra, rb, &outline);
  cv::fillConvexPoly(img, outline, colour, cv::LINE_AA, kShift);
}

// Shading bands of a limb seen as a cylinder lit from the image direction `light`: scale of the
// band's radius, its brightness, and how far its centre shifts towards the light.
constexpr int kBands = 7;
constexpr std::array<double, kBands> kBandScale = {1.0, 0.88, 0.75, 0.62, 0.48, 0.34, 0.2};
constexpr std::array<double, kBands> kBandBright = {0.58, 0.68, 0.78, 0.87, 0.94, 1.0, 1.05};

struct Capsule2 {
  cv::Point2d a, b;
  double ra, rb;
  cv::Scalar colour;
};

// Draws capsules shaded like cylinders, band by band across all of them, so that a chain of
// segments (thigh and shank) reads as one smooth limb without dark rims at the joints.
void ShadedCapsules(cv::Mat& img, const std::vector<Capsule2>& capsules, cv::Point2d light) {
  for (int i = 0; i < kBands; ++i) {
    for (const Capsule2& c : capsules) {
      const double r_mean = 0.5 * (c.ra + c.rb);
      // Thin capsules get fewer bands (first and last always).
      if (r_mean < 2.0 && i != 0 && i != kBands - 1) {
        continue;
      }
      if (r_mean < 5.0 && i % 2 == 1) {
        continue;
      }
      const cv::Point2d d = c.b - c.a;
      const double length = std::hypot(d.x, d.y);
      const cv::Point2d u = length > 1e-9 ? d * (1.0 / length) : cv::Point2d(1, 0);
      const cv::Point2d across = light - u * light.dot(u);
      const double scale = kBandScale[i];
      const cv::Point2d offset = across * ((1 - scale) * 0.55 * r_mean);
      FillCapsule(img, c.a + offset, c.b + offset, c.ra * scale, c.rb * scale,
                  Mul(c.colour, kBandBright[i]));
    }
  }
}

// Convex polygon with alpha blending (shadows).
void BlendConvex(cv::Mat& img, const std::vector<cv::Point>& fixed_points, const cv::Scalar& colour,
                 double alpha) {
  if (fixed_points.size() < 3 || alpha <= 0) {
    return;
  }
  int x0 = std::numeric_limits<int>::max(), y0 = x0;
  int x1 = std::numeric_limits<int>::min(), y1 = x1;
  for (const cv::Point& p : fixed_points) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  const cv::Rect box =
      cv::Rect(cv::Point(x0 / 16 - 2, y0 / 16 - 2), cv::Point(x1 / 16 + 3, y1 / 16 + 3)) &
      cv::Rect(0, 0, img.cols, img.rows);
  if (box.area() <= 0) {
    return;
  }
  cv::Mat roi = img(box);
  cv::Mat overlay = roi.clone();
  std::vector<cv::Point> shifted(fixed_points);
  for (cv::Point& p : shifted) {
    p -= cv::Point(box.x * 16, box.y * 16);
  }
  cv::fillConvexPoly(overlay, shifted, colour, cv::LINE_AA, kShift);
  cv::addWeighted(overlay, alpha, roi, 1 - alpha, 0, roi);
}

// ---------------------------------------------------------------------------------------------
// 3D primitives.

// Clips a segment against the near plane; false when entirely behind it.
bool ClipSegment(Vec3* a, Vec3* b, double* ra, double* rb) {
  if (a->z() < kNear && b->z() < kNear) {
    return false;
  }
  auto clip = [&](Vec3* p, double* rp, const Vec3& q, double rq) {
    const double t = (kNear - p->z()) / (q.z() - p->z());
    *p = *p + t * (q - *p);
    *rp = *rp + t * (rq - *rp);
  };
  if (a->z() < kNear) {
    clip(a, ra, *b, *rb);
  }
  if (b->z() < kNear) {
    clip(b, rb, *a, *ra);
  }
  return true;
}

// A segment of a limb in the world: tapered capsule from a to b, radii in metres.
struct Segment3 {
  Vec3 a, b;
  double ra, rb;
  cv::Scalar colour;
};

// Projects a world capsule; false when it is entirely behind the camera.
bool ProjectCapsule(const CameraFrame& cam, const Segment3& segment, Capsule2* out) {
  Vec3 ca = cam.ToCamera(segment.a), cb = cam.ToCamera(segment.b);
  double ra = segment.ra, rb = segment.rb;
  if (!ClipSegment(&ca, &cb, &ra, &rb)) {
    return false;
  }
  *out = {cam.Pixel(ca), cam.Pixel(cb), cam.focal() * ra / ca.z(), cam.focal() * rb / cb.z(),
          segment.colour};
  return true;
}

// A chain of limb segments shaded together.
void Limbs(cv::Mat& img, const CameraFrame& cam, const std::vector<Segment3>& segments) {
  std::vector<Capsule2> capsules;
  for (const Segment3& segment : segments) {
    Capsule2 c;
    if (ProjectCapsule(cam, segment, &c)) {
      capsules.push_back(c);
    }
  }
  ShadedCapsules(img, capsules, cam.light_image());
}

void Limb(cv::Mat& img, const CameraFrame& cam, const Vec3& a, const Vec3& b, double ra, double rb,
          const cv::Scalar& colour) {
  Limbs(img, cam, {{a, b, ra, rb, colour}});
}

// A planar convex polygon in the world, clipped to the near plane.
void Polygon3(cv::Mat& img, const CameraFrame& cam, const std::vector<Vec3>& world,
              const cv::Scalar& colour, double grow_px = 0.0) {
  thread_local std::vector<Vec3> in, out;
  in.clear();
  for (const Vec3& w : world) {
    in.push_back(cam.ToCamera(w));
  }
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const Vec3& p = in[i];
    const Vec3& q = in[(i + 1) % in.size()];
    const bool p_in = p.z() >= kNear, q_in = q.z() >= kNear;
    if (p_in) {
      out.push_back(p);
    }
    if (p_in != q_in) {
      out.push_back(p + (kNear - p.z()) / (q.z() - p.z()) * (q - p));
    }
  }
  if (out.size() < 3) {
    return;
  }
  thread_local std::vector<cv::Point2d> px;
  px.clear();
  cv::Point2d centre(0, 0);
  for (const Vec3& c : out) {
    px.push_back(cam.Pixel(c));
    centre += px.back();
  }
  centre *= 1.0 / px.size();
  thread_local std::vector<cv::Point> fixed;
  fixed.clear();
  for (const cv::Point2d& p : px) {
    cv::Point2d q = p;
    if (grow_px > 0) {
      const cv::Point2d d = p - centre;
      const double n = std::hypot(d.x, d.y);
      if (n > 1e-9) {
        q += d * (grow_px / n);
      }
    }
    fixed.push_back(Fix(q));
  }
  cv::fillConvexPoly(img, fixed, colour, cv::LINE_AA, kShift);
}

// A flat ellipse on a surface (axes are world vectors with length), as a polygon.
void SurfaceEllipse(cv::Mat& img, const CameraFrame& cam, const Vec3& centre, const Vec3& axis1,
                    const Vec3& axis2, const cv::Scalar& colour) {
  std::vector<Vec3> points;
  constexpr int kN = 14;
  for (int i = 0; i < kN; ++i) {
    const double angle = 2 * kPi * i / kN;
    points.push_back(centre + std::cos(angle) * axis1 + std::sin(angle) * axis2);
  }
  Polygon3(img, cam, points, colour);
}

// An axis-aligned box with flat-shaded visible faces.
void Box(cv::Mat& img, const CameraFrame& cam, const Vec3& lo, const Vec3& hi,
         const cv::Scalar& colour) {
  const Vec3& eye = cam.position();
  for (int axis = 0; axis < 3; ++axis) {
    for (int sign = -1; sign <= 1; sign += 2) {
      Vec3 normal = Vec3::Zero();
      normal[axis] = sign;
      const double plane = sign < 0 ? lo[axis] : hi[axis];
      if ((eye[axis] - plane) * sign <= 0) {
        continue;  // back face
      }
      const int u = (axis + 1) % 3, v = (axis + 2) % 3;
      std::vector<Vec3> face(4);
      const double us[4] = {lo[u], hi[u], hi[u], lo[u]}, vs[4] = {lo[v], lo[v], hi[v], hi[v]};
      for (int k = 0; k < 4; ++k) {
        face[k][axis] = plane;
        face[k][u] = us[k];
        face[k][v] = vs[k];
      }
      const double lambert = std::max(0.0, normal.dot(cam.light_world()));
      Polygon3(img, cam, face, Mul(colour, 0.62 + 0.5 * lambert));
    }
  }
}

// A mesh face for Lambert-shaded shapes.
struct Face {
  std::array<Vec3, 4> p;
  Vec3 outward;  // any vector pointing out of the surface, to orient the normal
  cv::Scalar colour;
};

// Draws the faces that look towards the camera, far first.
void DrawFaces(cv::Mat& img, const CameraFrame& cam, const std::vector<Face>& faces) {
  struct Visible {
    double depth;
    const Face* face;
    cv::Scalar colour;
  };
  thread_local std::vector<Visible> visible;
  visible.clear();
  for (const Face& face : faces) {
    const Vec3 centre = 0.25 * (face.p[0] + face.p[1] + face.p[2] + face.p[3]);
    Vec3 normal = (face.p[2] - face.p[0]).cross(face.p[3] - face.p[1]);
    if (normal.squaredNorm() < 1e-18) {
      continue;
    }
    normal.normalize();
    if (normal.dot(face.outward) < 0) {
      normal = -normal;
    }
    const Vec3 to_eye = (cam.position() - centre).normalized();
    const double facing = normal.dot(to_eye);
    if (facing <= 0) {
      continue;
    }
    const double lambert = std::max(0.0, normal.dot(cam.light_world()));
    const double shade = (0.5 + 0.58 * lambert) * (0.8 + 0.2 * facing);
    visible.push_back({cam.Depth(centre), &face, Mul(face.colour, shade)});
  }
  std::sort(visible.begin(), visible.end(),
            [](const Visible& a, const Visible& b) { return a.depth > b.depth; });
  std::vector<Vec3> quad(4);
  for (const Visible& v : visible) {
    for (int k = 0; k < 4; ++k) {
      quad[k] = v.face->p[k];
    }
    Polygon3(img, cam, quad, v.colour, 0.6);
  }
}

// ---------------------------------------------------------------------------------------------
// The scene.

// Palette (BGR).
const cv::Scalar kSkin(112, 150, 204);
const cv::Scalar kHair(28, 34, 44);
const cv::Scalar kShirt(150, 88, 44);
const cv::Scalar kShorts(48, 44, 42);
const cv::Scalar kSock(222, 222, 226);
const cv::Scalar kShoe(150, 110, 80);
const cv::Scalar kSole(212, 214, 218);
const cv::Scalar kBelt(40, 40, 43);

constexpr double kBeltHalfWidth = 0.26;
constexpr double kBeltBack = -0.92, kBeltFront = 0.75;  // visible top of the belt (X), m
constexpr double kBeltLoop = 3.8;                       // belt loop length, m
constexpr double kDeckHeight = 0.20;                    // belt surface above the floor, m

struct Speckle {
  double x0, z, radius;
  cv::Scalar colour;
};

// A part of the treadmill, drawn onto a frame.
using Part = std::function<void(cv::Mat&)>;

class Scene {
 public:
  Scene(const Camera& camera, const RenderOptions& options);
  Scene(const Scene&) = delete;  // parts keep a pointer to cam_
  Scene& operator=(const Scene&) = delete;

  // Renders the frame for `runner` at time t over `background` (from BuildBackground).
  cv::Mat Render(const RunnerModel* runner, double t, const cv::Mat& background) const;
  cv::Mat BuildBackground() const;

 private:
  void DrawBelt(cv::Mat& img, double t, double belt_speed) const;
  void DrawShadows(cv::Mat& img, const BodyPose& pose) const;
  void DrawRunner(cv::Mat& img, const RunnerModel& runner, const BodyPose& pose) const;
  // A light blur over the runner's bounding box: hides the facets and bands of the flat shading
  // the way a real lens and video codec soften edges.
  void SoftenRunner(cv::Mat& img, const BodyPose& pose) const;

  CameraFrame cam_;
  View view_;
  RenderOptions options_;
  double floor_y_;
  std::vector<Part> background_parts_, foreground_parts_;
  std::vector<Speckle> speckles_;
};

Scene::Scene(const Camera& camera, const RenderOptions& options)
    : cam_(camera), view_(camera.params().view), options_(options) {
  floor_y_ = options.treadmill ? -kDeckHeight : 0.0;
  if (!options.treadmill) {
    return;
  }
  const CameraFrame& cam = cam_;

  Rng rng(options.seed);
  const int n_speckles = 2500;
  for (int i = 0; i < n_speckles; ++i) {
    Speckle s;
    s.x0 = rng.Uniform(0, kBeltLoop);
    s.z = rng.Uniform(-kBeltHalfWidth + 0.01, kBeltHalfWidth - 0.01);
    s.radius = rng.Uniform(0.002, 0.005);
    const double v = rng.Uniform(46, 68);
    s.colour = cv::Scalar(v, v, v + 2);
    speckles_.push_back(s);
  }

  // Treadmill parts, each with a representative point for painter's ordering.
  struct Item {
    Vec3 centre;
    int layer;  // lower layers first regardless of depth (deck under belt under platforms)
    std::function<void(cv::Mat&)> draw;
  };
  std::vector<Item> items;
  const cv::Scalar deck(64, 64, 68), plastic(50, 50, 55), metal(118, 118, 124), rail(150, 152, 158);
  for (double x : {-0.82, 0.85}) {
    for (double z : {-0.34, 0.34}) {
      const Vec3 lo(x - 0.05, -kDeckHeight, z - 0.05), hi(x + 0.05, -0.15, z + 0.05);
      items.push_back({0.5 * (lo + hi), 0, [this, lo, hi](cv::Mat& m) {
                         Box(m, cam_, lo, hi, cv::Scalar(30, 30, 33));
                       }});
    }
  }
  {
    const Vec3 lo(-0.95, -0.15, -0.40), hi(0.78, -0.005, 0.40);
    items.push_back({Vec3(-0.1, -0.08, 0), 1,
                     [this, lo, hi, deck](cv::Mat& m) { Box(m, cam_, lo, hi, deck); }});
  }
  items.push_back({Vec3(-0.1, 0, 0), 2, [this](cv::Mat& m) {
                     Polygon3(
                         m, cam_,
                         {Vec3(kBeltBack, 0, -kBeltHalfWidth), Vec3(kBeltFront, 0, -kBeltHalfWidth),
                          Vec3(kBeltFront, 0, kBeltHalfWidth), Vec3(kBeltBack, 0, kBeltHalfWidth)},
                         kBelt);
                   }});
  {  // rear roller cover
    const Vec3 lo(-1.0, -0.14, -0.40), hi(-0.92, 0.022, 0.40);
    items.push_back({Vec3(-0.96, 0, 0), 3,
                     [this, lo, hi, plastic](cv::Mat& m) { Box(m, cam_, lo, hi, plastic); }});
  }
  for (double sign : {-1.0, 1.0}) {  // side platforms with an anti-slip strip
    const Vec3 lo(-0.95, -0.01, sign < 0 ? -0.40 : kBeltHalfWidth),
        hi(0.745, 0.03, sign < 0 ? -kBeltHalfWidth : 0.40);
    items.push_back({Vec3(-0.1, 0.01, sign * 0.33), 3, [this, lo, hi, rail, sign](cv::Mat& m) {
                       Box(m, cam_, lo, hi, rail);
                       const double z0 = sign * 0.29, z1 = sign * 0.37;
                       Polygon3(m, cam_,
                                {Vec3(-0.9, 0.0305, z0), Vec3(0.7, 0.0305, z0),
                                 Vec3(0.7, 0.0305, z1), Vec3(-0.9, 0.0305, z1)},
                                cv::Scalar(78, 78, 82));
                     }});
  }
  {  // motor hood
    const Vec3 lo(0.745, -0.15, -0.40), hi(1.05, 0.12, 0.40);
    items.push_back({Vec3(0.85, 0.0, 0), 3, [this, lo, hi, plastic](cv::Mat& m) {
                       Box(m, cam_, lo, hi, plastic);
                       Box(m, cam_, Vec3(0.745, 0.12, -0.40), Vec3(0.95, 0.16, 0.40),
                           cv::Scalar(58, 58, 63));
                     }});
  }
  const bool front = view_ == View::kFront;
  // Uprights rise from the front of the side platforms, leaning back towards the runner, to the
  // console; seen from the side the near one can hide the far foot at the front of the stride.
  for (double sign : {-1.0, 1.0}) {
    const Vec3 bottom(0.70, 0.03, sign * 0.38), top(0.60, 1.04, sign * 0.38);
    items.push_back({0.5 * (bottom + top), 4, [this, bottom, top, metal](cv::Mat& m) {
                       Limb(m, cam_, bottom, top, 0.032, 0.028, metal);
                     }});
    const Vec3 grip_front(0.80, 1.02, sign * 0.38), grip_back(0.58, 1.0, sign * 0.38);
    items.push_back({0.5 * (grip_front + grip_back), 5, [this, grip_front, grip_back](cv::Mat& m) {
                       Limb(m, cam_, grip_front, grip_back, 0.018, 0.018, cv::Scalar(40, 40, 44));
                     }});
  }
  if (!front) {  // console (a camera in front of the treadmill films past it)
    items.push_back({Vec3(0.70, 1.17, 0), 5, [this](cv::Mat& m) {
                       Box(m, cam_, Vec3(0.55, 1.02, -0.36), Vec3(0.86, 1.32, 0.36),
                           cv::Scalar(46, 46, 51));
                       Polygon3(m, cam_,
                                {Vec3(0.549, 1.08, -0.22), Vec3(0.549, 1.08, 0.22),
                                 Vec3(0.549, 1.26, 0.22), Vec3(0.549, 1.26, -0.22)},
                                cv::Scalar(120, 92, 52));
                     }});
  }
  // Items nearer to the camera than the runner are drawn over it; the rest form the backdrop.
  const double runner_depth = cam.Depth(Vec3(0, 1.0, 0));
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    order[i] = i;
  }
  // Layers ascending; within a layer, far first.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Item& ia = items[a];
    const Item& ib = items[b];
    if (ia.layer != ib.layer) {
      return ia.layer < ib.layer;
    }
    return cam.Depth(ia.centre) > cam.Depth(ib.centre);
  });
  for (size_t i : order) {
    const bool in_front = cam.Depth(items[i].centre) < runner_depth - 0.2 && items[i].layer >= 3;
    (in_front ? foreground_parts_ : background_parts_).push_back(items[i].draw);
  }
}

cv::Mat Scene::BuildBackground() const {
  const int w = cam_.width(), h = cam_.height();
  cv::Mat img(h, w, CV_8UC3);
  const Vec3 eye = cam_.position();
  const Vec3 fwd = cam_.horizontal_forward();
  const Vec3 wall_right = fwd.cross(Vec3(0, 1, 0));
  const double wall_distance = 2.3;         // beyond the runner's line, m
  const double wall_plane = wall_distance;  // dot(world, fwd) on the wall
  const std::uint64_t seed = Mix(options_.seed * 7919 + 17);
  const double floor_y = floor_y_;
  const bool treadmill = options_.treadmill;
  const double r_max2 = 0.25 * (double(w) * w + double(h) * h);
  for (int y = 0; y < h; ++y) {
    auto* row = img.ptr<cv::Vec3b>(y);
    const Vec3 ray0 = cam_.Ray(0, y), ray1 = cam_.Ray(1, y);
    const Vec3 dray = ray1 - ray0;
    for (int x = 0; x < w; ++x) {
      const Vec3 d = ray0 + x * dray;
      double t_floor = 1e30, t_wall = 1e30;
      if (d.y() < -1e-12) {
        t_floor = (floor_y - eye.y()) / d.y();
      }
      const double denom = d.dot(fwd);
      if (denom > 1e-12) {
        t_wall = (wall_plane - eye.dot(fwd)) / denom;
      }
      double b, g, r;
      if (t_floor < t_wall) {
        const Vec3 p = eye + t_floor * d;
        // Rubber gym flooring: 1 m tiles, fine speckle, darker under the treadmill and near the
        // wall.
        const double fx = p.dot(wall_right), fz = p.dot(fwd);
        double k = 1.0;
        k *= 0.94 + 0.06 * ValueNoise(fx * 3, fz * 3, seed + 1);
        k *= 0.95 + 0.1 * Hash01(static_cast<std::int64_t>(std::floor(fx * 250)),
                                 static_cast<std::int64_t>(std::floor(fz * 250)), seed + 2);
        const double tx = fx - std::floor(fx), tz = fz - std::floor(fz);
        if (tx < 0.006 || tz < 0.006) {
          k *= 0.82;
        }
        k *= 1.0 - 0.3 * std::exp(-(wall_plane - fz) / 0.25);
        if (treadmill) {
          const double ox = std::max({-1.02 - p.x(), p.x() - 1.07, 0.0});
          const double oz = std::max(std::abs(p.z()) - 0.42, 0.0);
          k *= 1.0 - 0.55 * std::exp(-std::hypot(ox, oz) / 0.1);
        }
        b = 92 * k;
        g = 95 * k;
        r = 99 * k;
      } else if (t_wall < 1e29) {
        const Vec3 p = eye + t_wall * d;
        const double wx = p.dot(wall_right), wy = p.y() - floor_y;
        double k = 1.0 - 0.05 * std::clamp(wy / 3.0, 0.0, 1.0);
        k *= 0.96 + 0.05 * ValueNoise(wx * 1.5, wy * 1.5, seed + 3);
        k *= 0.985 + 0.03 * Hash01(static_cast<std::int64_t>(std::floor(wx * 300)),
                                   static_cast<std::int64_t>(std::floor(wy * 300)), seed + 4);
        k *= 1.0 - 0.16 * std::exp(-wy / 0.3);
        if (wy < 0.1) {  // skirting board
          b = 182 * k;
          g = 186 * k;
          r = 190 * k;
          if (wy > 0.094) {
            k *= 0.8, b *= 0.8, g *= 0.8, r *= 0.8;
          }
        } else {
          b = 196 * k;
          g = 208 * k;
          r = 216 * k;
        }
      } else {
        b = g = r = 200;
      }
      // Lens vignetting.
      const double cxp = x - 0.5 * w, cyp = y - 0.5 * h;
      const double v = 1.0 - 0.16 * (cxp * cxp + cyp * cyp) / r_max2;
      row[x] = cv::Vec3b(cv::saturate_cast<uchar>(b * v), cv::saturate_cast<uchar>(g * v),
                         cv::saturate_cast<uchar>(r * v));
    }
  }
  for (const Part& part : background_parts_) {
    part(img);
  }
  return img;
}

void Scene::DrawBelt(cv::Mat& img, double t, double belt_speed) const {
  const double shift = belt_speed * t;
  for (const Speckle& s : speckles_) {
    double x = std::fmod(s.x0 - shift, kBeltLoop);
    if (x < 0) {
      x += kBeltLoop;
    }
    x += kBeltBack;
    if (x < kBeltBack + s.radius || x > kBeltFront - s.radius) {
      continue;
    }
    const Vec3 c = cam_.ToCamera(Vec3(x, 0.0, s.z));
    if (c.z() < kNear) {
      continue;
    }
    const cv::Point2d p = cam_.Pixel(c);
    const double radius = std::max(0.5, cam_.focal() * s.radius / c.z());
    if (p.x < -radius || p.y < -radius || p.x > img.cols + radius || p.y > img.rows + radius) {
      continue;
    }
    cv::circle(img, Fix(p), static_cast<int>(std::lround(radius * kSub)), s.colour, cv::FILLED,
               cv::LINE_AA, kShift);
  }
  // Two seams across the belt.
  for (double seam0 : {0.4, 0.4 + 0.5 * kBeltLoop}) {
    double x = std::fmod(seam0 - shift, kBeltLoop);
    if (x < 0) {
      x += kBeltLoop;
    }
    x += kBeltBack;
    if (x < kBeltBack + 0.01 || x > kBeltFront - 0.02) {
      continue;
    }
    Polygon3(img, cam_,
             {Vec3(x, 0, -kBeltHalfWidth), Vec3(x + 0.012, 0, -kBeltHalfWidth),
              Vec3(x + 0.012, 0, kBeltHalfWidth), Vec3(x, 0, kBeltHalfWidth)},
             cv::Scalar(72, 72, 76));
  }
}

void Scene::DrawShadows(cv::Mat& img, const BodyPose& pose) const {
  constexpr double ground = 0.0;  // the belt surface, or the floor without a treadmill
  auto shadow = [&](const Vec3& centre, const Vec3& axis_a, double a, double b, double alpha) {
    std::vector<cv::Point> fixed;
    const Vec3 axis_b = Vec3(0, 1, 0).cross(axis_a).normalized();
    for (int i = 0; i < 20; ++i) {
      const double angle = 2 * kPi * i / 20;
      const Vec3 p = centre + a * std::cos(angle) * axis_a + b * std::sin(angle) * axis_b;
      const Vec3 c = cam_.ToCamera(p);
      if (c.z() < kNear) {
        return;
      }
      fixed.push_back(Fix(cam_.Pixel(c)));
    }
    BlendConvex(img, fixed, cv::Scalar(8, 8, 10), alpha);
  };
  {
    const Vec3& pelvis = pose[kPelvisCentre];
    shadow(Vec3(pelvis.x(), ground, pelvis.z()), Vec3(1, 0, 0), 0.28, 0.22, 0.12);
  }
  for (int side = 0; side < 2; ++side) {
    const Vec3& heel = pose[kLeftHeel + side];
    const Vec3& toe = pose[kLeftBigToe + side];
    const double height = std::max(0.0, std::min(heel.y(), toe.y()) - ground);
    const double alpha = 0.55 * std::exp(-height / 0.12);
    if (alpha < 0.03) {
      continue;
    }
    Vec3 along = toe - heel;
    along.y() = 0;
    if (along.norm() < 1e-6) {
      along = Vec3(1, 0, 0);
    }
    along.normalize();
    const Vec3 centre(0.5 * (heel.x() + toe.x()), ground, 0.5 * (heel.z() + toe.z()));
    const double spread = 1.0 + height * 2;
    shadow(centre, along, 0.17 * spread, 0.07 * spread, 0.5 * alpha);
    shadow(centre, along, 0.14 * spread, 0.05 * spread, 0.6 * alpha);
  }
}

// Point on the surface of an ellipsoid (centre, orthonormal axes, semi-axes) along a direction.
Vec3 OnEllipsoid(const Vec3& centre, const std::array<Vec3, 3>& axes,
                 const std::array<double, 3>& radii, const Vec3& direction) {
  double q = 0;
  for (int i = 0; i < 3; ++i) {
    q += std::pow(direction.dot(axes[i]) / radii[i], 2);
  }
  return centre + direction / std::sqrt(std::max(q, 1e-12));
}

void Scene::DrawRunner(cv::Mat& img, const RunnerModel& runner, const BodyPose& P) const {
  const CameraFrame& cam = cam_;
  const BodyDimensions& dims = runner.dimensions();
  const double s = runner.params().height_m / 1.75;
  const Vec3 up(0, 1, 0), world_right(0, 0, 1);
  auto lateral = [](int side) { return side == kRight ? 1.0 : -1.0; };

  // Trunk frame.
  const Vec3 pelvis = P[kPelvisCentre];
  const Vec3 trunk_up = (P[kNeckBase] - pelvis).normalized();
  auto orthonormal_lateral = [&](const Vec3& v) {
    Vec3 l = v - v.dot(trunk_up) * trunk_up;
    return l.norm() > 1e-9 ? l.normalized() : world_right;
  };
  const Vec3 hip_lateral = orthonormal_lateral(P[kRightHip] - P[kLeftHip]);
  const Vec3 shoulder_lateral = orthonormal_lateral(P[kRightShoulder] - P[kLeftShoulder]);
  const double trunk = dims.trunk;
  const bool female = runner.params().sex == Sex::kFemale;

  // Far-side limbs a little darker, as in real footage (less light reaches them).
  std::array<double, 2> dim{};
  const double pelvis_depth = cam.Depth(pelvis);
  for (int side = 0; side < 2; ++side) {
    const double dd = cam.Depth(P[kLeftHip + side]) - pelvis_depth;
    dim[side] = 1.0 - 0.2 * std::clamp(dd / std::max(0.5 * dims.hip_width, 1e-3), 0.0, 1.0);
  }

  enum Kind { kItemLeg, kItemShoe, kItemArm, kItemTorso, kItemHead };
  struct Item {
    double depth;
    Kind kind;
    int side;
  };
  std::vector<Item> items;
  auto depth_of = [&](std::initializer_list<int> points) {
    Vec3 sum = Vec3::Zero();
    for (int point : points) {
      sum += P[point];
    }
    return cam.Depth(sum / static_cast<double>(points.size()));
  };
  std::array<int, 2> leg_item{}, shoe_item{};
  for (int side = 0; side < 2; ++side) {
    leg_item[side] = static_cast<int>(items.size());
    const double leg_depth = depth_of({kLeftHip + side, kLeftKnee + side, kLeftAnkle + side});
    items.push_back({leg_depth, kItemLeg, side});
    shoe_item[side] = static_cast<int>(items.size());
    // The shoe always covers its own sock.
    items.push_back({std::min(depth_of({kLeftHeel + side, kLeftBigToe + side}), leg_depth - 1e-4),
                     kItemShoe, side});
    items.push_back(
        {depth_of({kLeftShoulder + side, kLeftElbow + side, kLeftWrist + side}), kItemArm, side});
  }
  const double torso_depth = cam.Depth(pelvis + 0.5 * trunk * trunk_up);
  items.push_back({torso_depth, kItemTorso, 0});
  items.push_back({torso_depth - 1e-3, kItemHead, 0});

  // Markers, each attached to the item drawn last among those it sits on.
  struct Marker {
    Vec3 position, normal;
    int item;
    double min_facing;  // cosine between normal and view below which the marker is hidden
  };
  std::vector<Marker> markers;
  if (options_.markers) {
    for (int side = 0; side < 2; ++side) {
      const Vec3 out = lateral(side) * world_right;
      const Vec3& heel = P[kLeftHeel + side];
      const Vec3& toe = P[kLeftBigToe + side];
      const Vec3 u = (toe - heel).normalized();
      Vec3 n = up - up.dot(u) * u;
      n.normalize();
      markers.push_back({P[kLeftHip + side] + 0.08 * s * out, out, leg_item[side], -0.15});
      markers.push_back({P[kLeftKnee + side] + 0.055 * s * out, out, leg_item[side], -0.15});
      markers.push_back({P[kLeftAnkle + side] + 0.035 * s * out, out, shoe_item[side], -0.15});
      markers.push_back({heel - 0.008 * s * u + 0.04 * s * n, -u, shoe_item[side], -0.3});
      markers.push_back({toe - 0.08 * (toe - heel).norm() * u + 0.045 * s * n, (u + n).normalized(),
                         shoe_item[side], -0.2});
    }
  }
  const cv::Scalar marker_colour(options_.marker_b, options_.marker_g, options_.marker_r);
  auto draw_marker = [&](const Marker& m) {
    const Vec3 to_eye = (cam.position() - m.position).normalized();
    if (m.normal.dot(to_eye) < m.min_facing) {
      return;  // on the far side of the body
    }
    const Vec3 c = cam.ToCamera(m.position);
    if (c.z() < kNear) {
      return;
    }
    const cv::Point2d p = cam.Pixel(c);
    const double r = std::max(1.5, cam.focal() * options_.marker_radius_m / c.z());
    const double outline = std::max(1.0, 0.14 * r);
    cv::circle(img, Fix(p), static_cast<int>(std::lround(r * kSub)), cv::Scalar(20, 20, 20),
               cv::FILLED, cv::LINE_AA, kShift);
    cv::circle(img, Fix(p), static_cast<int>(std::lround((r - outline) * kSub)), marker_colour,
               cv::FILLED, cv::LINE_AA, kShift);
  };

  auto draw_torso = [&]() {
    struct RingSpec {
      double height, half_width, half_depth, forward;
    };
    // Heights above the hip joints; widths and depths for a 1.75 m runner (scaled by s).
    const double T = trunk;
    // Female figures: relatively wider hips, narrower waist and shoulders.
    const double hips = female ? 1.05 : 1.0, waist = female ? 0.92 : 1.0,
                 chest = female ? 0.92 : 1.0;
    const RingSpec specs[] = {
        {-0.10 * s, 0.125 * hips, 0.085, 0.0},            // crotch
        {-0.04 * s, 0.172 * hips, 0.112, -0.012},         // buttocks
        {0.06 * s, 0.168 * hips, 0.104, -0.005},          // iliac crest (waistband)
        {0.36 * T, 0.150 * waist, 0.100 * waist, 0.004},  // waist
        {0.62 * T, 0.165 * chest, 0.116, 0.014},          // lower chest
        {0.82 * T, 0.180 * chest, 0.124, 0.016},          // chest
        {0.97 * T, 0.195 * chest, 0.108, 0.0},            // shoulders (deltoids)
        {T + 0.03 * s, 0.150 * chest, 0.080, -0.008},     // top of the shoulders
        {T + 0.062 * s, 0.075, 0.060, -0.012},            // trapezius into the neck
    };
    constexpr int kSpecs = sizeof(specs) / sizeof(specs[0]);
    constexpr int kShirtFrom = 2;  // spec intervals from this index up are shirt
    constexpr int kSubdivide = 3;  // rings per spec interval (Catmull-Rom in between)
    constexpr int kRings = (kSpecs - 1) * kSubdivide + 1;
    constexpr int kSegments = 32;
    auto spec_at = [&](int interval, double t) {
      auto get = [&](int i) { return specs[std::clamp(i, 0, kSpecs - 1)]; };
      const RingSpec p0 = get(interval - 1), p1 = get(interval), p2 = get(interval + 1),
                     p3 = get(interval + 2);
      auto cr = [&](double a0, double a1, double a2, double a3) {
        return 0.5 * ((2 * a1) + (-a0 + a2) * t + (2 * a0 - 5 * a1 + 4 * a2 - a3) * t * t +
                      (-a0 + 3 * a1 - 3 * a2 + a3) * t * t * t);
      };
      return RingSpec{cr(p0.height, p1.height, p2.height, p3.height),
                      cr(p0.half_width, p1.half_width, p2.half_width, p3.half_width),
                      cr(p0.half_depth, p1.half_depth, p2.half_depth, p3.half_depth),
                      cr(p0.forward, p1.forward, p2.forward, p3.forward)};
    };
    std::array<std::array<Vec3, kSegments>, kRings> rings;
    std::array<Vec3, kRings> centres;
    for (int i = 0; i < kRings; ++i) {
      const int interval = std::min(i / kSubdivide, kSpecs - 2);
      const RingSpec r =
          spec_at(interval, static_cast<double>(i - interval * kSubdivide) / kSubdivide);
      const double f = std::clamp(r.height / T, 0.0, 1.0);
      const Vec3 lat = orthonormal_lateral((1 - f) * hip_lateral + f * shoulder_lateral);
      const Vec3 fwd = trunk_up.cross(lat).normalized();
      centres[i] = pelvis + r.height * trunk_up + r.forward * s * fwd;
      for (int k = 0; k < kSegments; ++k) {
        const double angle = 2 * kPi * k / kSegments;
        const double c = std::cos(angle), sn = std::sin(angle);
        // Superellipse: flatter front, back and sides than an ellipse.
        const double e = 2.0 / 2.6;
        const double x = std::copysign(std::pow(std::abs(c), e), c);
        const double y = std::copysign(std::pow(std::abs(sn), e), sn);
        rings[i][k] = centres[i] + r.half_width * s * x * lat + r.half_depth * s * y * fwd;
      }
    }
    std::vector<Face> faces;
    faces.reserve(static_cast<size_t>(kRings - 1) * kSegments);
    for (int i = 0; i + 1 < kRings; ++i) {
      const cv::Scalar colour = i / kSubdivide >= kShirtFrom ? kShirt : kShorts;
      for (int k = 0; k < kSegments; ++k) {
        const int k1 = (k + 1) % kSegments;
        Face face;
        face.p = {rings[i][k], rings[i][k1], rings[i + 1][k1], rings[i + 1][k]};
        const Vec3 centre = 0.25 * (face.p[0] + face.p[1] + face.p[2] + face.p[3]);
        face.outward = centre - 0.5 * (centres[i] + centres[i + 1]);
        face.colour = colour;
        faces.push_back(face);
      }
    }
    DrawFaces(img, cam, faces);
  };

  auto draw_head = [&]() {
    const Vec3& neck_base = P[kNeckBase];
    const Vec3 head_up = (P[kHeadTop] - neck_base).normalized();
    Vec3 forward = Vec3(1, 0, 0) - Vec3(1, 0, 0).dot(head_up) * head_up;
    forward.normalize();
    const Vec3 head_lateral = forward.cross(head_up);  // to the runner's right
    const Vec3 mid_shoulder = pelvis + trunk * trunk_up;
    // Neck.
    Limb(img, cam, mid_shoulder, neck_base + 0.04 * s * head_up, 0.058 * s, 0.05 * s,
         Mul(kSkin, 0.9));
    // Head: an ellipsoid mesh with hair on the top, back and sides.
    const std::array<Vec3, 3> axes = {head_up, forward, head_lateral};
    const std::array<double, 3> radii = {0.118 * s, 0.100 * s, 0.080 * s};
    const Vec3 centre = neck_base + 0.5 * dims.head * head_up - 0.008 * s * forward;
    // Jaw and chin, mostly hidden inside the skull but shaping the profile.
    Limb(img, cam, centre - 0.05 * s * head_up - 0.01 * s * forward,
         centre - 0.084 * s * head_up + 0.056 * s * forward, 0.05 * s, 0.03 * s, Mul(kSkin, 0.95));
    constexpr int kLat = 16, kLon = 28;
    std::vector<Face> faces;
    faces.reserve(static_cast<size_t>(kLat) * kLon);
    auto point = [&](double theta, double phi) {
      return centre + radii[0] * std::cos(theta) * axes[0] +
             std::sin(theta) *
                 (radii[1] * std::cos(phi) * axes[1] + radii[2] * std::sin(phi) * axes[2]);
    };
    for (int i = 0; i < kLat; ++i) {
      const double t0 = kPi * i / kLat, t1 = kPi * (i + 1) / kLat;
      for (int k = 0; k < kLon; ++k) {
        const double p0 = 2 * kPi * k / kLon, p1 = 2 * kPi * (k + 1) / kLon;
        Face face;
        face.p = {point(t0, p0), point(t0, p1), point(t1, p1), point(t1, p0)};
        const double tc = 0.5 * (t0 + t1), pc = 0.5 * (p0 + p1);
        const double nu = std::cos(tc), nf = std::sin(tc) * std::cos(pc);
        const bool hair = nu > 0.5 || (nf < -0.2 && nu > -0.88) || (nf < 0.05 && nu > 0.0);
        face.outward = 0.25 * (face.p[0] + face.p[1] + face.p[2] + face.p[3]) - centre;
        face.colour = hair ? kHair : kSkin;
        faces.push_back(face);
      }
    }
    // Female figures wear a ponytail, drawn behind or in front of the head by depth.
    const Vec3 tail_root = centre + 0.035 * s * head_up - 0.095 * s * forward;
    const Vec3 tail_end = centre - 0.09 * s * head_up - 0.15 * s * forward;
    const bool tail_in_front = cam.Depth(tail_root) < cam.Depth(centre);
    auto ponytail = [&]() { Limb(img, cam, tail_root, tail_end, 0.032 * s, 0.02 * s, kHair); };
    if (female && !tail_in_front) {
      ponytail();
    }
    DrawFaces(img, cam, faces);
    if (female && tail_in_front) {
      ponytail();
    }
    // Face features where they look towards the camera.
    auto facing = [&](const Vec3& at, const Vec3& normal) {
      return normal.dot((cam.position() - at).normalized());
    };
    for (int side = 0; side < 2; ++side) {
      const double l = lateral(side);
      // Ear.
      const Vec3 ear = OnEllipsoid(centre, axes, radii, P[kLeftEar + side] - centre);
      if (facing(ear, l * head_lateral) > 0.05) {
        SurfaceEllipse(img, cam, ear + 0.004 * s * l * head_lateral, 0.032 * s * head_up,
                       0.018 * s * forward, Mul(kSkin, 0.86));
        SurfaceEllipse(img, cam, ear + 0.006 * s * l * head_lateral, 0.016 * s * head_up,
                       0.008 * s * forward, Mul(kSkin, 0.62));
      }
      // Eye and eyebrow.
      const Vec3 eye = OnEllipsoid(centre, axes, radii, P[kLeftEye + side] - centre);
      const Vec3 eye_normal = (0.85 * forward + 0.35 * l * head_lateral).normalized();
      if (facing(eye, eye_normal) > 0.08) {
        const Vec3 across = head_lateral - head_lateral.dot(eye_normal) * eye_normal;
        SurfaceEllipse(img, cam, eye, 0.014 * s * across.normalized(), 0.0065 * s * head_up,
                       cv::Scalar(45, 40, 40));
        SurfaceEllipse(img, cam, eye + 0.02 * s * head_up + 0.002 * s * forward,
                       0.017 * s * across.normalized(), 0.0035 * s * head_up, Mul(kHair, 1.1));
      }
    }
    // Nose and mouth.
    const Vec3 nose_root = OnEllipsoid(centre, axes, radii, P[kNose] - centre);
    if (facing(nose_root, forward) > -0.05) {
      Limb(img, cam, nose_root + 0.014 * s * head_up - 0.006 * s * forward,
           nose_root + 0.008 * s * forward - 0.004 * s * head_up, 0.010 * s, 0.013 * s,
           Mul(kSkin, 0.98));
    }
    const Vec3 mouth = OnEllipsoid(centre, axes, radii, P[kNose] - centre - 0.045 * s * head_up);
    if (facing(mouth, forward) > 0.1) {
      SurfaceEllipse(img, cam, mouth, 0.02 * s * head_lateral, 0.004 * s * head_up,
                     cv::Scalar(78, 84, 150));
    }
  };

  std::vector<int> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    order[i] = static_cast<int>(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return items[a].depth > items[b].depth; });
  for (int index : order) {
    const Item& item = items[index];
    const int o = item.side;
    const double k = dim[o];
    switch (item.kind) {
      case kItemLeg: {
        const Vec3& hip = P[kLeftHip + o];
        const Vec3& knee = P[kLeftKnee + o];
        const Vec3& ankle = P[kLeftAnkle + o];
        const Vec3 axis = (ankle - knee).normalized();
        const Vec3 foot = P[kLeftBigToe + o] - P[kLeftHeel + o];
        Vec3 back = -(foot - foot.dot(axis) * axis);
        back = back.norm() > 1e-9 ? back.normalized() : Vec3(-1, 0, 0);
        const Vec3 calf = knee + 0.33 * (ankle - knee) + 0.012 * s * back;
        const cv::Scalar skin = Mul(kSkin, k);
        Limbs(img, cam,
              {{hip, knee, 0.082 * s, 0.054 * s, skin},
               {knee, calf, 0.052 * s, 0.058 * s, skin},
               {calf, ankle, 0.058 * s, 0.033 * s, skin}});
        Limb(img, cam, hip, hip + 0.42 * (knee - hip), 0.092 * s, 0.079 * s, Mul(kShorts, k));
        Limb(img, cam, ankle, ankle - 0.085 * s * axis, 0.036 * s, 0.037 * s, Mul(kSock, k));
        break;
      }
      case kItemShoe: {
        const Vec3& heel = P[kLeftHeel + o];
        const Vec3& toe = P[kLeftBigToe + o];
        const Vec3& ankle = P[kLeftAnkle + o];
        const double length = (toe - heel).norm();
        const Vec3 u = (toe - heel) / std::max(length, 1e-9);
        Vec3 n = up - up.dot(u) * u;
        n.normalize();
        const Vec3 across = u.cross(n);
        auto at = [&](double fu, double fn) { return heel + fu * length * u + fn * s * n; };
        const cv::Scalar shoe = Mul(kShoe, k);
        auto upper = [&]() {
          Limbs(img, cam,
                {{at(0.17, 0.075), ankle + 0.015 * s * n, 0.042 * s, 0.042 * s, shoe},
                 {at(0.16, 0.058), at(0.9, 0.040), 0.036 * s, 0.02 * s, shoe},
                 {ankle + 0.01 * s * n, at(0.6, 0.06), 0.040 * s, 0.032 * s, shoe}});
        };
        auto sole = [&]() {
          // A flat, rounded slab under the foot: the convex hull of its bottom and top outlines.
          std::vector<cv::Point2f> points;
          for (double fn : {0.0, 0.024}) {
            for (int i = 0; i < 16; ++i) {
              const double angle = 2 * kPi * i / 16;
              const double c = std::cos(angle), sn = std::sin(angle);
              const double x = std::copysign(std::pow(std::abs(c), 0.6), c);
              const double y = std::copysign(std::pow(std::abs(sn), 0.6), sn);
              const Vec3 p = at(0.49 + 0.48 * x, fn) + 0.042 * s * y * across;
              const Vec3 c3 = cam.ToCamera(p);
              if (c3.z() < kNear) {
                return;
              }
              const cv::Point2d q = cam.Pixel(c3);
              points.emplace_back(static_cast<float>(std::clamp(q.x, -1e6, 1e6)),
                                  static_cast<float>(std::clamp(q.y, -1e6, 1e6)));
            }
          }
          std::vector<cv::Point2f> hull;
          cv::convexHull(points, hull);
          std::vector<cv::Point> fixed;
          fixed.reserve(hull.size());
          for (const cv::Point2f& p : hull) {
            fixed.push_back(Fix(p.x, p.y));
          }
          cv::fillConvexPoly(img, fixed, Mul(kSole, 0.92 * k), cv::LINE_AA, kShift);
        };
        // Whichever of sole and upper is farther from the camera goes first.
        if (n.dot(cam.position() - heel) < 0) {
          upper();
          sole();
        } else {
          sole();
          upper();
        }
        break;
      }
      case kItemArm: {
        const Vec3& shoulder = P[kLeftShoulder + o];
        const Vec3& elbow = P[kLeftElbow + o];
        const Vec3& wrist = P[kLeftWrist + o];
        const Vec3& hand = P[kLeftHand + o];
        const cv::Scalar skin = Mul(kSkin, k);
        Limbs(img, cam,
              {{shoulder, elbow, 0.048 * s, 0.037 * s, skin},
               {elbow, wrist, 0.037 * s, 0.026 * s, skin},
               {wrist, hand, 0.027 * s, 0.032 * s, Mul(kSkin, 0.96 * k)}});
        Limb(img, cam, shoulder + 0.06 * (elbow - shoulder), shoulder + 0.42 * (elbow - shoulder),
             0.053 * s, 0.050 * s, Mul(kShirt, k));
        break;
      }
      case kItemTorso:
        draw_torso();
        break;
      case kItemHead:
        draw_head();
        break;
    }
    for (const Marker& m : markers) {
      if (m.item == index) {
        draw_marker(m);
      }
    }
  }
}

void Scene::SoftenRunner(cv::Mat& img, const BodyPose& pose) const {
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const Vec3& point : pose.points) {
    const Vec3 c = cam_.ToCamera(point);
    if (c.z() < kNear) {
      continue;
    }
    const cv::Point2d p = cam_.Pixel(c);
    const double margin = cam_.focal() * 0.2 / c.z();
    x0 = std::min(x0, p.x - margin);
    y0 = std::min(y0, p.y - margin);
    x1 = std::max(x1, p.x + margin);
    y1 = std::max(y1, p.y + margin);
  }
  if (x1 < x0) {
    return;
  }
  const cv::Rect box =
      cv::Rect(
          cv::Point(static_cast<int>(std::max(x0, -1.0)), static_cast<int>(std::max(y0, -1.0))),
          cv::Point(static_cast<int>(std::min(x1, 1e5)), static_cast<int>(std::min(y1, 1e5)))) &
      cv::Rect(0, 0, img.cols, img.rows);
  if (box.width < 3 || box.height < 3) {
    return;
  }
  cv::Mat roi = img(box);
  cv::GaussianBlur(roi, roi, cv::Size(3, 3), 0.75);
}

cv::Mat Scene::Render(const RunnerModel* runner, double t, const cv::Mat& background) const {
  cv::Mat img = background.clone();
  if (options_.treadmill) {
    DrawBelt(img, t, runner != nullptr ? runner->params().belt_speed_m_s : 0.0);
  }
  if (runner != nullptr && options_.draw_runner) {
    const BodyPose pose = runner->PoseAt(t);
    DrawShadows(img, pose);
    DrawRunner(img, *runner, pose);
    SoftenRunner(img, pose);
  }
  for (const Part& part : foreground_parts_) {
    part(img);
  }
  return img;
}

// A small cache of backdrops so that repeated RenderFrame calls for one camera are fast.
std::vector<double> BackdropKey(const Camera& camera, const RenderOptions& options) {
  const CameraParams& p = camera.params();
  return {static_cast<double>(static_cast<int>(p.view)),
          p.facing_right ? 1.0 : 0.0,
          static_cast<double>(p.width),
          static_cast<double>(p.height),
          camera.focal_px(),
          camera.position().x(),
          camera.position().y(),
          camera.position().z(),
          p.tilt_deg,
          p.roll_deg,
          p.pan_deg,
          options.treadmill ? 1.0 : 0.0,
          static_cast<double>(options.seed & 0xFFFFFFFFu),
          static_cast<double>(options.seed >> 32)};
}

cv::Mat CachedBackground(const Scene& scene, const Camera& camera, const RenderOptions& options) {
  static std::mutex mutex;
  static std::list<std::pair<std::vector<double>, cv::Mat>> cache;
  const std::vector<double> key = BackdropKey(camera, options);
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->first == key) {
        cache.splice(cache.begin(), cache, it);
        return cache.front().second;
      }
    }
  }
  cv::Mat background = scene.BuildBackground();
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace_front(key, background);
  while (cache.size() > 4) {
    cache.pop_back();
  }
  return background;
}

}  // namespace

Image RenderFrame(const RunnerModel& runner, const Camera& camera, double time_s,
                  const RenderOptions& options) {
  GAITLENS_CHECK_INPUT(std::isfinite(time_s), OptionError, "RenderFrame: time must be finite, got ",
                       time_s);
  GAITLENS_CHECK_INPUT(std::isfinite(options.marker_radius_m) && options.marker_radius_m > 0 &&
                           options.marker_radius_m <= 0.2,
                       OptionError, "RenderOptions.marker_radius_m must be in (0, 0.2], got ",
                       options.marker_radius_m);
  const Scene scene(camera, options);
  const cv::Mat background = CachedBackground(scene, camera, options);
  return internal::ImageFromMat(scene.Render(&runner, time_s, background));
}

void RenderVideo(const RunnerModel& runner, const Camera& camera,
                 const std::vector<double>& frame_times_s, const std::string& path,
                 const RenderOptions& options) {
  GAITLENS_CHECK_INPUT(!frame_times_s.empty(), OptionError, path,
                       ": RenderVideo needs at least one frame time");
  for (double t : frame_times_s) {
    GAITLENS_CHECK_INPUT(std::isfinite(t), OptionError, path, ": frame times must be finite");
  }
  GAITLENS_CHECK_INPUT(std::isfinite(options.marker_radius_m) && options.marker_radius_m > 0 &&
                           options.marker_radius_m <= 0.2,
                       OptionError, "RenderOptions.marker_radius_m must be in (0, 0.2], got ",
                       options.marker_radius_m);
  const Scene scene(camera, options);
  const cv::Mat background = scene.BuildBackground();
  VideoWriterOptions writer_options;
  writer_options.fps = camera.params().fps;
  VideoWriter writer(path, camera.params().width, camera.params().height, writer_options);
  for (double t : frame_times_s) {
    writer.Write(internal::ImageFromMat(scene.Render(&runner, t, background)));
  }
  writer.Close();
}

}  // namespace gaitlens::synth
