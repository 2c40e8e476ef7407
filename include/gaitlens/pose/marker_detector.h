// Marker tracking pose backend (work in progress).
#ifndef GAITLENS_POSE_MARKER_DETECTOR_H_
#define GAITLENS_POSE_MARKER_DETECTOR_H_
#endif  // GAITLENS_POSE_MARKER_DETECTOR_H_
