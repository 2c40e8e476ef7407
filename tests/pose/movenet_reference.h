// The TF.js reference outputs of the MoveNet models for a fixed input, stored in
// tests/pose/data/movenet_{lightning,thunder}_reference.json (see scripts/models/README.md), shared
// by the OpenCV (movenet_test) and XNNPACK (xnn_network_test) checks of the converted models.
#ifndef GAITLENS_TESTS_POSE_MOVENET_REFERENCE_H_
#define GAITLENS_TESTS_POSE_MOVENET_REFERENCE_H_

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace gaitlens::test {

// The reference document of "movenet-lightning" or "movenet-thunder".
inline nlohmann::json MoveNetReference(const std::string& model) {
  std::ifstream in(std::string(GAITLENS_SOURCE_DIR) + "/tests/pose/data/" +
                   (model == "movenet-lightning" ? "movenet_lightning" : "movenet_thunder") +
                   "_reference.json");
  return nlohmann::json::parse(in);
}

// The fixed input: input[0][c][y][x] = (x*3 + y*5 + c*7) % 256, RGB.
inline float MoveNetReferenceInput(int c, int y, int x) {
  return static_cast<float>((x * 3 + y * 5 + c * 7) % 256);
}

}  // namespace gaitlens::test

#endif  // GAITLENS_TESTS_POSE_MOVENET_REFERENCE_H_
