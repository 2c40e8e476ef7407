#include "gaitlens/io/video_reader.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"

namespace gaitlens {

namespace fs = std::filesystem;

namespace {

std::string FourccToString(double fourcc_value) {
  const auto fourcc = static_cast<std::uint32_t>(fourcc_value);
  std::string text;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((fourcc >> (8 * i)) & 0xFF);
    if (c >= 32 && c < 127) text += c;
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Frames short of the container's count before we call a file truncated (containers without an
// exact frame index may estimate the count one frame high).
constexpr std::int64_t kTruncationSlackFrames = 1;

}  // namespace

std::string VideoInfo::BriefReport() const {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer), "%dx%d (%s), %.3f fps, %lld frames, %.3f s, %s%s", width,
                height, is_portrait() ? "portrait" : "landscape", fps,
                static_cast<long long>(frame_count), duration_s,
                codec.empty() ? "unknown codec" : codec.c_str(),
                rotation_deg != 0 ? (", rotated " + std::to_string(rotation_deg) + " deg").c_str()
                                  : "");
  return buffer;
}

void VideoReaderOptions::Check() const {
  GAITLENS_CHECK_INPUT(max_frames >= 0, OptionError,
                       "VideoReaderOptions.max_frames must be >= 0 (0 = all), got ", max_frames);
}

struct VideoReader::Impl {
  VideoReaderOptions options;
  VideoInfo info;
  cv::VideoCapture capture;
  std::vector<std::string> warnings;
  cv::Mat pending;  // first frame, decoded at open time to prove the file decodes
  bool has_pending = false;
  double pending_time_s = 0.0;
  int frames_read = 0;
  double first_time_s = 0.0;
  double last_time_s = -1.0;
  bool finished = false;

  // Decodes the next frame; returns false at the end.
  bool Decode(cv::Mat* mat, double* raw_time_s) {
    if (!capture.grab()) return false;
    *raw_time_s = capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
    return capture.retrieve(*mat) && !mat->empty();
  }

  void Finish() {
    if (finished) return;
    finished = true;
    capture.release();
    const bool stopped_by_option = options.max_frames > 0 && frames_read >= options.max_frames;
    if (!stopped_by_option && info.frame_count > 0 &&
        frames_read < info.frame_count - kTruncationSlackFrames) {
      warnings.push_back(internal::StrCat(info.path, ": video ended after ", frames_read,
                                          " of the ", info.frame_count,
                                          " frames its container announces; the file is probably "
                                          "truncated or damaged"));
    }
  }
};

VideoReader::VideoReader(const std::string& path, const VideoReaderOptions& options)
    : impl_(std::make_unique<Impl>()) {
  options.Check();
  impl_->options = options;
  VideoInfo& info = impl_->info;
  info.path = path;

  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  GAITLENS_CHECK_INPUT(fs::exists(status), InputError, path, ": no such file");
  GAITLENS_CHECK_INPUT(!fs::is_directory(status), InputError, path,
                       ": is a folder, expected a video file");
  info.file_size_bytes = static_cast<std::int64_t>(fs::file_size(path, ec));
  GAITLENS_CHECK_INPUT(!ec, InputError, path, ": cannot read file size (", ec.message(), ")");
  GAITLENS_CHECK_INPUT(info.file_size_bytes > 0, InputError, path, ": file is empty (0 bytes)");
  GAITLENS_CHECK_INPUT(std::ifstream(path, std::ios::binary).good(), InputError, path,
                       ": cannot open for reading (permissions?)");

  cv::VideoCapture& capture = impl_->capture;
  if (!capture.open(path, cv::CAP_FFMPEG) || !capture.isOpened()) {
    GAITLENS_THROW(FormatError, path,
                   ": not a video that FFmpeg can open (wrong format, or the file is damaged or "
                   "truncated before its index)");
  }
  // OpenCV 4.6 takes this as a property after opening, not as an open() parameter.
  capture.set(cv::CAP_PROP_ORIENTATION_AUTO, options.apply_rotation ? 1.0 : 0.0);
  info.fps = capture.get(cv::CAP_PROP_FPS);
  if (!std::isfinite(info.fps) || info.fps <= 0.0 || info.fps > 10000.0) info.fps = 0.0;
  const double count = capture.get(cv::CAP_PROP_FRAME_COUNT);
  info.frame_count = std::isfinite(count) && count > 0 ? static_cast<std::int64_t>(count) : -1;
  info.duration_s = info.frame_count > 0 && info.fps > 0 ? info.frame_count / info.fps : 0.0;
  info.codec = FourccToString(capture.get(cv::CAP_PROP_FOURCC));
  const double rotation = capture.get(cv::CAP_PROP_ORIENTATION_META);
  const int rotation_deg =
      std::isfinite(rotation) ? ((static_cast<int>(std::lround(rotation)) % 360) + 360) % 360 : 0;
  info.rotation_deg = options.apply_rotation ? rotation_deg : 0;

  if (!impl_->Decode(&impl_->pending, &impl_->pending_time_s)) {
    GAITLENS_THROW(FormatError, path,
                   ": the container opens but no frame decodes (damaged or truncated video, or a "
                   "codec this FFmpeg build lacks: '",
                   info.codec, "')");
  }
  impl_->has_pending = true;
  info.width = impl_->pending.cols;
  info.height = impl_->pending.rows;
  if (info.fps == 0.0) {
    impl_->warnings.push_back(path + ": container reports no frame rate; using timestamps only");
  }
}

VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }
int VideoReader::frames_read() const { return impl_->frames_read; }
const std::vector<std::string>& VideoReader::warnings() const { return impl_->warnings; }

bool VideoReader::Read(VideoFrame* frame) {
  Impl& impl = *impl_;
  if (impl.finished) return false;
  if (impl.options.max_frames > 0 && impl.frames_read >= impl.options.max_frames) {
    impl.Finish();
    return false;
  }
  cv::Mat mat;
  double raw_time_s = 0.0;
  if (impl.has_pending) {
    mat = impl.pending;
    impl.pending = cv::Mat();
    raw_time_s = impl.pending_time_s;
    impl.has_pending = false;
  } else if (!impl.Decode(&mat, &raw_time_s)) {
    impl.Finish();
    return false;
  }
  if (impl.frames_read == 0) impl.first_time_s = std::isfinite(raw_time_s) ? raw_time_s : 0.0;
  double time_s = raw_time_s - impl.first_time_s;
  if (impl.frames_read > 0 && (!std::isfinite(time_s) || time_s <= impl.last_time_s)) {
    // Missing or non-increasing container timestamp: step by the nominal frame period.
    // OpenCV 4.6 reports 0 for frames the H.264 decoder releases when it is flushed at the end
    // of the file (B-frame reordering): that is a missing timestamp, repaired without a warning.
    const bool missing = raw_time_s == 0.0;
    const double period = impl.info.fps > 0 ? 1.0 / impl.info.fps : 1.0 / 30.0;
    const double repaired = impl.last_time_s + period;
    if (!missing && impl.warnings.size() < 20) {
      impl.warnings.push_back(internal::StrCat(impl.info.path, ": frame ", impl.frames_read,
                                               ": timestamp ", time_s, " s not after ",
                                               impl.last_time_s, " s; using ", repaired, " s"));
    }
    time_s = repaired;
  }
  if (impl.frames_read == 0) time_s = 0.0;
  frame->index = impl.frames_read;
  frame->timestamp_s = time_s;
  frame->image = internal::ImageFromMat(mat);
  impl.last_time_s = time_s;
  ++impl.frames_read;
  return true;
}

VideoInfo ProbeVideo(const std::string& path, bool count_frames, std::vector<std::string>* warnings) {
  VideoReader reader(path);
  VideoInfo info = reader.info();
  if (count_frames) {
    VideoFrame frame;
    double last_time_s = 0.0;
    while (reader.Read(&frame)) last_time_s = frame.timestamp_s;
    info.frame_count = reader.frames_read();
    // Duration of a video = the span its frames cover, including the last frame's display time.
    const double period = info.fps > 0 ? 1.0 / info.fps : 0.0;
    info.duration_s = info.frame_count > 0 ? last_time_s + period : 0.0;
  }
  if (warnings != nullptr) *warnings = reader.warnings();
  return info;
}

}  // namespace gaitlens
