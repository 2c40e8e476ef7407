// Renders the synthetic runner on a treadmill as video frames: a shaded, clothed human figure
// seen through the synthetic camera, a belt whose texture moves at belt speed, and a console.
// Deterministic for a given runner, camera, time and options.
#ifndef GAITLENS_SYNTH_RENDER_H_
#define GAITLENS_SYNTH_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gaitlens/core/image.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/runner.h"

namespace gaitlens::synth {

struct RenderOptions {
  // Draw high-contrast marker stickers (greater trochanter, lateral knee, lateral ankle, heel,
  // toe) on both legs where visible, for the marker-tracking pose backend.
  bool markers = false;
  // Marker colour, BGR.
  std::uint8_t marker_b = 40, marker_g = 230, marker_r = 40;
  // Draw the treadmill (belt, deck, console, handrails).
  bool treadmill = true;
  // Seed of the scene's texture (belt pattern, background).
  std::uint64_t seed = 1;
  // Draw the runner; false renders the empty scene (a background plate, e.g. for tests).
  bool draw_runner = true;
  // Radius of the marker stickers, m. Markers sit on the body surface: greater trochanter (hip
  // joint + 0.08 m laterally, scaled by height / 1.75 m), lateral knee (+0.055 m), lateral ankle
  // (+0.035 m), back of the shoe heel and top of the toe box; each is drawn only when its surface
  // faces the camera and is hidden by whatever is in front of it.
  double marker_radius_m = 0.025;
};

// One frame (BGR, camera image size) of the runner at time_s.
Image RenderFrame(const RunnerModel& runner, const Camera& camera, double time_s,
                  const RenderOptions& options = {});

// Renders frames at the given times into a video file (atomically; see VideoWriter) with the
// camera's frame rate.
void RenderVideo(const RunnerModel& runner, const Camera& camera,
                 const std::vector<double>& frame_times_s, const std::string& path,
                 const RenderOptions& options = {});

}  // namespace gaitlens::synth

#endif  // GAITLENS_SYNTH_RENDER_H_
