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
    double decode_best = 1e9, overlap_best = 1e9, sequential_best = 1e9;
    int frames = 0;
    gaitlens::MoveNetOptions options;
    options.model = model;
    auto detector = gaitlens::CreateMoveNetDetector(options);
    for (int r = 0; r < repeats; ++r) {
      auto start = std::chrono::steady_clock::now();
      gaitlens::VideoReader reader(video);
      gaitlens::VideoFrame frame;
      frames = 0;
      while (reader.Read(&frame)) ++frames;
      decode_best = std::min(decode_best, Seconds(start));

      for (bool overlap : {true, false}) {
        start = std::chrono::steady_clock::now();
        gaitlens::VideoReader pose_reader(video);
        gaitlens::ExtractOptions extract;
        extract.overlap_decoding = overlap;
        gaitlens::ExtractPoses(&pose_reader, detector.get(), extract);
        (overlap ? overlap_best : sequential_best) =
            std::min(overlap ? overlap_best : sequential_best, Seconds(start));
      }
    }
    std::printf("video %s, %d frames, model %s, best of %d runs\n", video.c_str(), frames,
                model.c_str(), repeats);
    std::printf("decode only:                  %8.1f frames/s\n", frames / decode_best);
    std::printf("pose, decoding overlapped:    %8.1f frames/s (%.3f of decode-only)\n",
                frames / overlap_best, decode_best / overlap_best);
    std::printf("pose, decoding sequential:    %8.1f frames/s (%.3f of decode-only)\n",
                frames / sequential_best, decode_best / sequential_best);
  } catch (const gaitlens::Error& e) {
    std::fprintf(stderr, "pose_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
