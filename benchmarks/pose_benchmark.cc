// Pose extraction speed beside decode-only speed of the same file in the same run, so the ratio
// means something on a noisy machine.
//
//   build/benchmarks/pose_benchmark [VIDEO] [--model movenet-lightning|movenet-thunder]
// The video defaults to ../shared/data/real/male_side/male_side.mp4.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string video =
      (std::filesystem::path(GAITLENS_SOURCE_DIR).parent_path() / "shared/data/real/male_side/male_side.mp4")
          .string();
  std::string model = "movenet-lightning";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      model = argv[++i];
    } else {
      video = argv[i];
    }
  }
  try {
    const int repeats = 3;
    // Each configuration: engine, XNNPACK threads, decoding overlapped on a second thread.
    struct Run {
      gaitlens::InferenceEngine engine;
      int threads;
      bool overlap;
      double best = 1e9;
    };
    std::vector<Run> runs = {
        {gaitlens::InferenceEngine::kXnnpack, 2, true},  {gaitlens::InferenceEngine::kXnnpack, 1, true},
        {gaitlens::InferenceEngine::kXnnpack, 2, false}, {gaitlens::InferenceEngine::kOpenCv, 0, true},
        {gaitlens::InferenceEngine::kOpenCv, 0, false},
    };
    double decode_best = 1e9;
    int frames = 0;
    for (int r = 0; r < repeats; ++r) {
      auto start = std::chrono::steady_clock::now();
      gaitlens::VideoReader reader(video);
      gaitlens::VideoFrame frame;
      frames = 0;
      while (reader.Read(&frame)) ++frames;
      decode_best = std::min(decode_best, Seconds(start));

      for (Run& run : runs) {
        gaitlens::MoveNetOptions options;
        options.model = model;
        options.engine = run.engine;
        options.threads = run.threads;
        auto detector = gaitlens::CreateMoveNetDetector(options);
        start = std::chrono::steady_clock::now();
        gaitlens::VideoReader pose_reader(video);
        gaitlens::ExtractOptions extract;
        extract.overlap_decoding = run.overlap;
        gaitlens::ExtractPoses(&pose_reader, detector.get(), extract);
        run.best = std::min(run.best, Seconds(start));
      }
    }
    std::printf("video %s, %d frames, model %s, best of %d runs, %u cores\n", video.c_str(), frames,
                model.c_str(), repeats, std::thread::hardware_concurrency());
    std::printf("%-44s %8.1f frames/s\n", "decode only", frames / decode_best);
    for (const Run& run : runs) {
      char label[128];
      std::snprintf(label, sizeof label, "pose, %s%s, decoding %s", gaitlens::ToString(run.engine),
                    run.engine == gaitlens::InferenceEngine::kXnnpack
                        ? (run.threads == 1 ? " 1 thread" : " 2 threads")
                        : "",
                    run.overlap ? "overlapped" : "sequential");
      std::printf("%-44s %8.1f frames/s (%.3f of decode-only)\n", label, frames / run.best,
                  decode_best / run.best);
    }
  } catch (const gaitlens::Error& e) {
    std::fprintf(stderr, "pose_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
