// The XNNPACK engine (src/pose/xnn_network.cc) and the ONNX reader under it: every supported
// operator against OpenCV DNN on a generated graph, both MoveNet models against the stored TF.js
// reference outputs, and the errors for files it cannot run or read.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include "gaitlens/core/error.h"
#include "gaitlens/pose/models.h"
#include "pose/onnx_model.h"
#include "pose/xnn_network.h"
#include "movenet_reference.h"
#include "test_util.h"

namespace gaitlens::internal {
namespace {

// Writes one of make_ops_onnx.py's graphs into a temporary folder; "" on failure.
std::string MakeOpsModel(const test::TemporaryFolder& dir, const std::string& kind) {
  const std::string path = dir.path() + "/" + kind + ".onnx";
  const std::string command = "/usr/bin/python3 " + std::string(GAITLENS_SOURCE_DIR) +
                              "/tests/pose/make_ops_onnx.py " + kind + " '" + path + "'";
  const int status = std::system(command.c_str());
  if (status != 0) {
    ADD_FAILURE() << "make_ops_onnx.py failed (" << status << "): " << command;
    return "";
  }
  return path;
}

// Runs the model on XNNPACK and OpenCV with the same NCHW input; returns the largest absolute
// difference over every element of every output, relative to 1 + the output's largest value.
double CompareWithOpenCv(const std::string& path, const std::vector<float>& nchw, int threads) {
  XnnNetwork xnn(ReadOnnxModel(path), path, threads);
  XnnNetwork::Tensor& in = xnn.input();
  const int C = in.channels, H = in.height, W = in.width;
  EXPECT_EQ(nchw.size(), static_cast<std::size_t>(C * H * W));
  for (int c = 0; c < C; ++c) {
    for (int i = 0; i < H * W; ++i) in.data[i * C + c] = nchw[c * H * W + i];
  }
  xnn.Run();

  cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
  const int dims[4] = {1, C, H, W};
  net.setInput(cv::Mat(4, dims, CV_32F, const_cast<float*>(nchw.data())));
  std::vector<cv::String> names;
  for (const auto& t : xnn.outputs()) names.push_back(t.name);
  std::vector<cv::Mat> reference;
  net.forward(reference, names);

  double worst = 0;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const XnnNetwork::Tensor& t = xnn.outputs()[k];
    const cv::Mat& r = reference[k];
    EXPECT_EQ(r.size[1], t.channels) << t.name;
    EXPECT_EQ(r.size[2], t.height) << t.name;
    EXPECT_EQ(r.size[3], t.width) << t.name;
    const float* expected = r.ptr<float>();
    double largest = 0;
    for (std::size_t i = 0; i < r.total(); ++i) largest = std::max(largest, std::abs(double(expected[i])));
    double diff = 0;
    for (int c = 0; c < t.channels; ++c) {
      for (int i = 0; i < t.height * t.width; ++i) {
        diff = std::max(diff, std::abs(double(t.data[i * t.channels + c]) -
                                       expected[c * t.height * t.width + i]));
      }
    }
    worst = std::max(worst, diff / (1 + largest));
  }
  return worst;
}

std::vector<float> RandomImage(int channels, int height, int width, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pixel(0, 255);
  std::vector<float> image(static_cast<std::size_t>(channels) * height * width);
  for (float& v : image) v = pixel(rng);
  return image;
}

TEST(XnnNetwork, EveryOperatorMatchesOpenCv) {
  ASSERT_TRUE(XnnpackAvailable());
  test::TemporaryFolder dir;
  const std::string path = MakeOpsModel(dir, "ops");
  ASSERT_FALSE(path.empty());
  for (int threads : {1, 2}) {
    const double worst = CompareWithOpenCv(path, RandomImage(3, 20, 24, 3), threads);
    std::cout << "ops graph, " << threads << " thread(s): max relative |XNNPACK - OpenCV| " << worst << "\n";
    EXPECT_LT(worst, 1e-5);
  }
}

TEST(XnnNetwork, OutputsHaveTheGraphsNamesAndShapes) {
  test::TemporaryFolder dir;
  const std::string path = MakeOpsModel(dir, "ops");
  ASSERT_FALSE(path.empty());
  XnnNetwork xnn(ReadOnnxModel(path), path, 1);
  EXPECT_EQ(xnn.input().name, "input");
  EXPECT_EQ(xnn.input().channels, 3);
  EXPECT_EQ(xnn.input().height, 20);
  EXPECT_EQ(xnn.input().width, 24);
  ASSERT_EQ(xnn.outputs().size(), 2u);
  EXPECT_EQ(xnn.output("heads").channels, 5);
  EXPECT_EQ(xnn.output("heads").height, 19);
  EXPECT_EQ(xnn.output("skip").width, 12);
  const std::string message = test::ErrorMessage<FormatError>([&] { xnn.output("nope"); });
  EXPECT_NE(message.find("no output 'nope'"), std::string::npos) << message;
}

TEST(XnnNetwork, UnsupportedOperatorIsNamed) {
  test::TemporaryFolder dir;
  const std::string path = MakeOpsModel(dir, "unsupported");
  ASSERT_FALSE(path.empty());
  const OnnxModel model = ReadOnnxModel(path);
  try {
    XnnNetwork xnn(model, path, 1);
    FAIL() << "a MaxPool graph was accepted";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("MaxPool node 'pool'"), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
}

// The installed MoveNet models on XNNPACK against the TF.js outputs stored for a fixed input
// (the same reference as movenet_test's OpenCV check), on all elements against OpenCV.
class XnnMoveNet : public ::testing::TestWithParam<std::string> {};

TEST_P(XnnMoveNet, MatchesTheTfjsReferenceAndOpenCv) {
  const ModelInfo info = ResolveModel(GetParam());  // fails with the install command if missing
  const nlohmann::json reference = test::MoveNetReference(GetParam());
  const int size = reference["input"]["height"];
  XnnNetwork xnn(ReadOnnxModel(info.path), info.path, 2);
  ASSERT_EQ(xnn.input().height, size);
  ASSERT_EQ(xnn.input().channels, 3);
  std::vector<float> nchw(3 * size * size);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const float v = test::MoveNetReferenceInput(c, y, x);
        nchw[(c * size + y) * size + x] = v;
        xnn.input().data[(y * size + x) * 3 + c] = v;
      }
    }
  }
  xnn.Run();
  for (const char* name : {"heatmaps", "centers", "regression", "offsets"}) {
    const nlohmann::json& head = reference["heads"][name];
    const XnnNetwork::Tensor& out = xnn.output(name);
    ASSERT_EQ(out.channels, head["shape"][1].get<int>()) << name;
    const int cells = out.height * out.width;
    const double scale = std::max(std::abs(head["min"].get<double>()), std::abs(head["max"].get<double>()));
    double worst = 0;
    for (std::size_t i = 0; i < head["indices"].size(); ++i) {
      const auto index = head["indices"][i].get<int>();  // NCHW flat index
      const double actual = out.data[(index % cells) * out.channels + index / cells];
      worst = std::max(worst, std::abs(actual - head["values"][i].get<double>()));
    }
    EXPECT_LE(worst, 1e-4 + 1e-5 * scale) << name;
    std::cout << GetParam() << " " << name << ": max |XNNPACK - TF.js| over samples " << worst << "\n";
  }
  const double vs_opencv = CompareWithOpenCv(info.path, RandomImage(3, size, size, 11), 2);
  std::cout << GetParam() << ": max relative |XNNPACK - OpenCV| on a random image " << vs_opencv << "\n";
  EXPECT_LT(vs_opencv, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Models, XnnMoveNet, ::testing::Values("movenet-lightning", "movenet-thunder"),
                         [](const auto& param_info) { return param_info.param == "movenet-lightning" ? "Lightning" : "Thunder"; });

// The ONNX reader on damaged files: every prefix of a real model and a sample of byte flips
// either parse or throw FormatError; none crashes (the fuzzer goes further).
TEST(OnnxModel, TruncatedAndCorruptFilesGiveFormatErrors) {
  test::TemporaryFolder dir;
  const std::string path = MakeOpsModel(dir, "ops");
  ASSERT_FALSE(path.empty());
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const OnnxModel whole = ParseOnnxModel(bytes, path);
  EXPECT_EQ(whole.opset, 10);
  EXPECT_EQ(whole.inputs.size(), 1u);
  EXPECT_EQ(whole.inputs[0].dims, (std::vector<int64_t>{1, 3, 20, 24}));
  EXPECT_EQ(whole.outputs.size(), 2u);
  EXPECT_GT(whole.nodes.size(), 15u);
  EXPECT_EQ(whole.nodes[0].op_type, "Sub");
  EXPECT_EQ(whole.initializers.at("scale").values, std::vector<float>{1 / 127.5f});

  int format_errors = 0;
  for (std::size_t cut = 0; cut < bytes.size(); cut += 37) {
    try {
      ParseOnnxModel(std::string_view(bytes).substr(0, cut), "cut.onnx");
    } catch (const FormatError& e) {
      ++format_errors;
      EXPECT_NE(std::string(e.what()).find("cut.onnx"), std::string::npos);
    }
  }
  EXPECT_GT(format_errors, 0);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::string damaged = bytes;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    try {
      ParseOnnxModel(damaged, "damaged.onnx");
    } catch (const FormatError&) {
    }
  }
  const std::string garbage = test::ErrorMessage<FormatError>([] { ParseOnnxModel("\xff\xff\xff", "junk.onnx"); });
  EXPECT_NE(garbage.find("junk.onnx: not a valid ONNX model"), std::string::npos) << garbage;
  const std::string no_graph = test::ErrorMessage<FormatError>([] { ParseOnnxModel("", "empty.onnx"); });
  EXPECT_NE(no_graph.find("empty.onnx: not an ONNX model"), std::string::npos) << no_graph;
  EXPECT_THROW(ReadOnnxModel(dir.path() + "/missing.onnx"), InputError);
}

}  // namespace
}  // namespace gaitlens::internal
