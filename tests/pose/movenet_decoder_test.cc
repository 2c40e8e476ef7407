// The MoveNet head decoding on hand-made heads with a known answer.
#include "pose/movenet_decoder.h"

#include <vector>

#include <gtest/gtest.h>

namespace gaitlens::internal {
namespace {

struct Heads {
  explicit Heads(int g)
      : grid(g), heatmaps(17 * g * g, 0.01f), centres(g * g, 0.0f), regression(34 * g * g, 0.0f),
        offsets(34 * g * g, 0.0f) {}
  // Planar (NCHW) heads, as OpenCV gives them.
  MoveNetHeads View() const {
    MoveNetHeads view;
    view.grid = grid;
    view.heatmaps.data = heatmaps.data();
    view.centres.data = centres.data();
    view.regression.data = regression.data();
    view.offsets.data = offsets.data();
    return view;
  }
  // The same heads interleaved (NHWC), as XNNPACK gives them; the copies live in `storage`.
  MoveNetHeads InterleavedView(std::vector<std::vector<float>>* storage) const {
    const int cells = grid * grid;
    MoveNetHeads view;
    view.grid = grid;
    MoveNetHeads::Head* heads[4] = {&view.heatmaps, &view.centres, &view.regression, &view.offsets};
    const std::vector<float>* planar[4] = {&heatmaps, &centres, &regression, &offsets};
    storage->resize(4);
    for (int h = 0; h < 4; ++h) {
      const int channels = static_cast<int>(planar[h]->size()) / cells;
      std::vector<float>& out = (*storage)[h];
      out.resize(planar[h]->size());
      for (int c = 0; c < channels; ++c) {
        for (int i = 0; i < cells; ++i) out[i * channels + c] = (*planar[h])[c * cells + i];
      }
      heads[h]->data = out.data();
      heads[h]->channel_stride = 1;
      heads[h]->cell_stride = channels;
    }
    return view;
  }
  int Cell(int y, int x) const { return y * grid + x; }
  int grid;
  std::vector<float> heatmaps, centres, regression, offsets;
};

TEST(MoveNetDecoder, FollowsCentreRegressionHeatmapAndOffsets) {
  const int g = 48;
  Heads heads(g);
  // The person centre at (20, 30); each keypoint k regressed to (10 + k, 5 + 2k) from there.
  heads.centres[heads.Cell(20, 30)] = 0.9f;
  for (int k = 0; k < 17; ++k) {
    const int ry = 10 + k, rx = 5 + 2 * k;
    heads.regression[(2 * k) * g * g + heads.Cell(20, 30)] = static_cast<float>(ry - 20);
    heads.regression[(2 * k + 1) * g * g + heads.Cell(20, 30)] = static_cast<float>(rx - 30);
    // The heatmap peaks at the regressed cell; a stronger decoy far away loses to the
    // distance weighting.
    heads.heatmaps[k * g * g + heads.Cell(ry, rx)] = 0.6f;
    heads.heatmaps[k * g * g + heads.Cell(47 - ry / 2, 47 - rx / 3)] = 0.9f;
    heads.offsets[(2 * k) * g * g + heads.Cell(ry, rx)] = 0.25f;
    heads.offsets[(2 * k + 1) * g * g + heads.Cell(ry, rx)] = -0.5f;
  }
  std::vector<std::vector<float>> storage;
  for (const MoveNetHeads& view : {heads.View(), heads.InterleavedView(&storage)}) {
    const std::vector<Keypoint> keypoints = DecodeMoveNet(view);
    ASSERT_EQ(keypoints.size(), 17u);
    for (int k = 0; k < 17; ++k) {
      EXPECT_NEAR(keypoints[k].y, (10 + k + 0.25) / g, 1e-6) << k << " planar " << (view.heatmaps.cell_stride == 1);
      EXPECT_NEAR(keypoints[k].x, (5 + 2 * k - 0.5) / g, 1e-6) << k;
      EXPECT_NEAR(keypoints[k].confidence, 0.6, 1e-6) << k;
    }
  }
}

TEST(MoveNetDecoder, CentrePriorPrefersThePersonNearTheMiddle) {
  const int g = 48;
  Heads heads(g);
  heads.centres[heads.Cell(24, 24)] = 0.5f;  // runner in the middle of the crop
  heads.centres[heads.Cell(2, 2)] = 0.9f;    // a bystander at the corner, more confident
  heads.heatmaps[0 * g * g + heads.Cell(24, 24)] = 0.8f;
  heads.heatmaps[0 * g * g + heads.Cell(2, 2)] = 0.8f;
  const std::vector<Keypoint> keypoints = DecodeMoveNet(heads.View());
  EXPECT_NEAR(keypoints[0].x, 24.0 / g, 1e-6);
  EXPECT_NEAR(keypoints[0].y, 24.0 / g, 1e-6);
}

}  // namespace
}  // namespace gaitlens::internal
