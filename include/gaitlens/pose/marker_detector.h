// The marker-tracking pose backend: finds the coloured or retro-reflective stickers that clinics
// put on the greater trochanter, the lateral knee, the lateral ankle, the heel and the toe, and
// labels them by geometry (a hip-knee-ankle chain with a rigid heel-ankle-toe triangle whose
// lengths are learned over the first frames) and by continuity with the previous frames.
//
// The keypoints it reports are the MARKER centres (points on the lateral body surface and on the
// shoe), not the joint centres: "left_hip" is the left greater-trochanter sticker, "left_knee" the
// lateral knee sticker, "left_ankle" the lateral malleolus sticker, "left_heel" the sticker on the
// back of the shoe and "left_big_toe" the one on the toe box. See docs/pose.md.
#ifndef GAITLENS_POSE_MARKER_DETECTOR_H_
#define GAITLENS_POSE_MARKER_DETECTOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include "gaitlens/pose/detector.h"

namespace gaitlens {

struct MarkerOptions {
  // "colour" (or "color"): stickers of one colour (target below); "bright": retro-reflective
  // stickers lit by a lamp next to the camera, i.e. the brightest pixels of the frame
  // (brightness_threshold).
  std::string mode = "colour";

  // Colour mode. The sticker colour, BGR (the synthetic renderer's default green). Must be
  // chromatic (max - min channel >= 40); for white stickers use "bright".
  std::uint8_t colour_b = 40, colour_g = 230, colour_r = 40;
  // Largest hue difference, degrees on the colour wheel (the angle between a pixel's chroma and
  // the target's in the opponent chroma plane, which is HSV's hue up to its hexagonal
  // approximation). In (0, 90].
  double hue_tolerance_deg = 25.0;
  // Least chroma of a sticker pixel as a fraction of the target's chroma (HSV saturation times
  // value, relative to the target's): lower to accept dimly lit or washed-out stickers. In
  // (0, 1].
  double min_colour_fraction = 0.45;

  // Bright mode: grey level (0-255) from which a pixel belongs to a sticker. In [1, 255].
  int brightness_threshold = 220;

  // Blob area limits, pixels (of the thresholded blob). 1 <= min_blob_area_px < max_blob_area_px.
  double min_blob_area_px = 6.0;
  double max_blob_area_px = 5000.0;

  // Which leg carries the fully visible marker chain (the one nearer to the camera): "left",
  // "right" or "auto" (from the running direction: a runner facing image-left shows the camera
  // its left side in a side view, so near = left; facing image-right, near = right).
  std::string near_side = "auto";

  // The segment lengths (hip-knee, knee-ankle and the heel-ankle-toe triangle) are learned from
  // the near-leg chains (knee, ankle, heel and toe at least) of the first frames, once this many
  // have been seen and two thirds of them agree within 5 %. Until then labels rest on
  // anthropometric length ratios and the far leg is not labelled. In [1, 1000].
  int learn_frames = 15;

  void Check() const;  // throws OptionError naming the field
};

// The marker detector. layout() is kCanonical; Detect fills hip, knee, ankle, heel and big toe of
// the near leg and, where they are visible and can be told apart, of the far leg (in a side view
// usually only its heel and toe); every other point, and every marker not seen in this frame,
// has confidence 0 (markers are never predicted through occlusions). Confidence reflects the
// blob's quality (size against the learned sticker size, roundness, colour) and how well it
// fits the learned geometry. Reset() forgets the tracks and the learned lengths.
std::unique_ptr<PoseDetector> CreateMarkerDetector(const MarkerOptions& options = {});

}  // namespace gaitlens

#endif  // GAITLENS_POSE_MARKER_DETECTOR_H_
