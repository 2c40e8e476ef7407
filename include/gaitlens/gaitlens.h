// Everything in gaitlens' public API. Include the module headers instead to keep builds lean.
#ifndef GAITLENS_GAITLENS_H_
#define GAITLENS_GAITLENS_H_

#include "gaitlens/core/error.h"
#include "gaitlens/core/image.h"
#include "gaitlens/core/version.h"
#include "gaitlens/core/view.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/io/video_writer.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/keypoint_layout.h"
#include "gaitlens/pose/marker_detector.h"
#include "gaitlens/pose/models.h"
#include "gaitlens/pose/onnx_detector.h"
#include "gaitlens/pose/pose_sequence.h"
#include "gaitlens/report/overlay.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/render.h"
#include "gaitlens/synth/runner.h"
#include "gaitlens/synth/synthesizer.h"
#include "gaitlens/synth/truth.h"

#endif  // GAITLENS_GAITLENS_H_
