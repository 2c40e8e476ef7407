// Everything in gaitlens' public API. Include the module headers instead to keep builds lean.
#ifndef GAITLENS_GAITLENS_H_
#define GAITLENS_GAITLENS_H_

#include "gaitlens/core/error.h"
#include "gaitlens/core/image.h"
#include "gaitlens/core/version.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/io/video_writer.h"
#include "gaitlens/pose/keypoint_layout.h"
#include "gaitlens/pose/pose_sequence.h"

#endif  // GAITLENS_GAITLENS_H_
