#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"

namespace gaitlens {

void ExtractOptions::Check() const {
  GAITLENS_CHECK_INPUT(max_frames >= 0, OptionError,
                       "ExtractOptions.max_frames must be >= 0 (0 = all), got ", max_frames);
  GAITLENS_CHECK_INPUT(queue_frames >= 1 && queue_frames <= 64, OptionError,
                       "ExtractOptions.queue_frames must be in [1, 64], got ", queue_frames);
}

std::string ExtractSummary::BriefReport() const {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), "%d frames in %.2f s (%.1f frames/s), runner missing in %d",
                frames, seconds, frames_per_second, frames_without_runner);
  return detector.empty() ? std::string(buffer) : std::string(buffer) + " [" + detector + "]";
}

namespace {

// Frames decoded ahead of the detector, bounded so memory stays flat in video length.
class FrameQueue {
 public:
  explicit FrameQueue(std::size_t capacity) : capacity_(capacity) {}

  // Returns false when the consumer stopped.
  bool Push(VideoFrame frame) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return frames_.size() < capacity_ || stopped_; });
    if (stopped_) return false;
    frames_.push_back(std::move(frame));
    not_empty_.notify_one();
    return true;
  }
  // Returns false at the end of the stream.
  bool Pop(VideoFrame* frame) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !frames_.empty() || finished_; });
    if (frames_.empty()) return false;
    *frame = std::move(frames_.front());
    frames_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Finish(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    error_ = error;
    not_empty_.notify_all();
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    not_full_.notify_all();
  }
  std::exception_ptr error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<VideoFrame> frames_;
  bool finished_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
};

}  // namespace

PoseSequence ExtractPoses(VideoReader* reader, PoseDetector* detector,
                          const ExtractOptions& options, ExtractSummary* summary) {
  options.Check();
  GAITLENS_CHECK_INPUT(reader != nullptr && detector != nullptr, OptionError,
                       "ExtractPoses needs a reader and a detector");
  const auto start = std::chrono::steady_clock::now();
  detector->Reset();
  std::vector<std::vector<Keypoint>> per_frame;
  std::vector<double> times;
  int without_runner = 0;
  std::vector<Keypoint> keypoints;
  auto process = [&](const VideoFrame& frame) {
    detector->Detect(frame.image, &keypoints);
    // Detectors guess on a frame with nobody (MoveNet: every keypoint at 0.03-0.2 on an empty
    // frame, most at 0.6-0.95 on a runner).
    int confident = 0;
    for (const Keypoint& p : keypoints) confident += p.confidence >= kRunnerConfidence ? 1 : 0;
    without_runner += confident >= 3 ? 0 : 1;
    per_frame.push_back(keypoints);
    times.push_back(frame.timestamp_s);
  };
  const auto want_more = [&] {
    return options.max_frames == 0 || static_cast<int>(per_frame.size()) < options.max_frames;
  };

  if (options.overlap_decoding) {
    FrameQueue queue(static_cast<std::size_t>(options.queue_frames));
    std::thread decoder([&] {
      try {
        VideoFrame frame;
        int decoded = 0;
        while ((options.max_frames == 0 || decoded < options.max_frames) && reader->Read(&frame)) {
          ++decoded;
          if (!queue.Push(std::move(frame))) break;
          frame = VideoFrame();
        }
        queue.Finish(nullptr);
      } catch (...) {
        queue.Finish(std::current_exception());
      }
    });
    try {
      VideoFrame frame;
      while (want_more() && queue.Pop(&frame)) process(frame);
    } catch (...) {
      queue.Stop();
      decoder.join();
      throw;
    }
    queue.Stop();
    decoder.join();
    if (queue.error()) std::rethrow_exception(queue.error());
  } else {
    VideoFrame frame;
    while (want_more() && reader->Read(&frame)) process(frame);
  }

  PoseSequence poses(detector->layout(), static_cast<int>(per_frame.size()));
  poses.timestamps_s = times;
  poses.image_width = reader->info().width;
  poses.image_height = reader->info().height;
  poses.source = reader->info().path + " (" + detector->name() + ")";
  for (int f = 0; f < poses.num_frames(); ++f) {
    for (int k = 0; k < poses.num_keypoints() && k < static_cast<int>(per_frame[f].size()); ++k) {
      poses.at(f, k) = per_frame[f][k];
    }
  }
  if (summary != nullptr) {
    summary->frames = poses.num_frames();
    summary->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    summary->frames_per_second = summary->seconds > 0 ? summary->frames / summary->seconds : 0;
    summary->frames_without_runner = without_runner;
    summary->warnings = reader->warnings();
    summary->detector = detector->name();
  }
  return poses;
}

}  // namespace gaitlens
