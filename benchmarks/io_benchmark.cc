// Benchmarks of the io module: video decoding (the reference speed every later stage is reported
// against) and keypoint file reading/writing.
//
//   build/benchmarks/io_benchmark [--benchmark_filter=...]
// The video is $GAITLENS_BENCH_VIDEO, else ../shared/data/real/male_side/male_side.mp4, else a
// clip the benchmark writes itself.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/io/video_writer.h"

namespace gaitlens {
namespace {

namespace fs = std::filesystem;

std::string BenchmarkVideo() {
  if (const char* env = std::getenv("GAITLENS_BENCH_VIDEO"); env != nullptr && fs::exists(env)) {
    return env;
  }
  const fs::path shared =
      fs::path(GAITLENS_SOURCE_DIR).parent_path() / "shared/data/real/male_side/male_side.mp4";
  if (fs::exists(shared)) return shared.string();
  const std::string path = (fs::temp_directory_path() / "gaitlens_io_benchmark.mp4").string();
  if (!fs::exists(path)) {
    VideoWriter writer(path, 720, 1280);
    for (int i = 0; i < 240; ++i) {
      Image frame(720, 1280, 3);
      for (int y = 0; y < 1280; ++y) {
        for (int x = 0; x < 720 * 3; ++x) frame.row(y)[x] = static_cast<std::uint8_t>((x + y + 4 * i) & 0xFF);
      }
      writer.Write(frame);
    }
    writer.Close();
  }
  return path;
}

void BM_DecodeVideo(benchmark::State& state) {
  const std::string path = BenchmarkVideo();
  std::int64_t frames = 0;
  for (auto _ : state) {
    VideoReader reader(path);
    VideoFrame frame;
    while (reader.Read(&frame)) {
      benchmark::DoNotOptimize(frame.image.data());
      ++frames;
    }
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.SetLabel(path);
}
BENCHMARK(BM_DecodeVideo)->Unit(benchmark::kMillisecond)->UseRealTime();

PoseSequence RandomPoses(int frames) {
  PoseSequence poses(KeypointLayout::kHalpe26, frames);
  poses.SetUniformTimestamps(120.0);
  for (int f = 0; f < frames; ++f) {
    for (int k = 0; k < poses.num_keypoints(); ++k) {
      poses.at(f, k) = {300 + 100 * std::sin(0.1 * f + k), 600 + 200 * std::cos(0.07 * f + k), 0.8};
    }
  }
  return poses;
}

void BM_GaitlensCsvRoundTrip(benchmark::State& state) {
  const PoseSequence poses = RandomPoses(static_cast<int>(state.range(0)));
  const std::string path = (fs::temp_directory_path() / "gaitlens_csv_benchmark.csv").string();
  for (auto _ : state) {
    WriteGaitlensCsv(poses, path);
    benchmark::DoNotOptimize(ReadGaitlensCsv(path).num_frames());
  }
  state.counters["frames_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GaitlensCsvRoundTrip)->Arg(7200)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gaitlens

BENCHMARK_MAIN();
