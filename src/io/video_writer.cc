#include "gaitlens/io/video_writer.h"

#include <cmath>
#include <filesystem>
#include <random>

#include <opencv2/videoio.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"

namespace gaitlens {

namespace fs = std::filesystem;

void VideoWriterOptions::Check() const {
  GAITLENS_CHECK_INPUT(std::isfinite(fps) && fps > 0.0 && fps <= 1000.0, OptionError,
                       "VideoWriterOptions.fps must be in (0, 1000], got ", fps);
  GAITLENS_CHECK_INPUT(codec.size() == 4, OptionError,
                       "VideoWriterOptions.codec must be a four-character code, got '", codec, "'");
}

struct VideoWriter::Impl {
  std::string path;
  std::string temporary_path;
  int width = 0;
  int height = 0;
  cv::VideoWriter writer;
  int frames_written = 0;
  bool closed = false;
};

VideoWriter::VideoWriter(const std::string& path, int width, int height,
                         const VideoWriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  options.Check();
  GAITLENS_CHECK_INPUT(width > 0 && height > 0 && width <= 16384 && height <= 16384, OptionError,
                       path, ": video size ", width, "x", height, " outside 1..16384");
  impl_->path = path;
  impl_->width = width;
  impl_->height = height;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::random_device random;
  // Keep the extension: FFmpeg picks the container from it.
  impl_->temporary_path = (target.parent_path() / ("." + target.stem().string() + ".partial" +
                                                   std::to_string(random()) +
                                                   target.extension().string()))
                              .string();
  const int fourcc = cv::VideoWriter::fourcc(options.codec[0], options.codec[1], options.codec[2],
                                             options.codec[3]);
  if (!impl_->writer.open(impl_->temporary_path, cv::CAP_FFMPEG, fourcc, options.fps,
                          cv::Size(width, height), true)) {
    fs::remove(impl_->temporary_path, ec);
    GAITLENS_THROW(InputError, path, ": cannot create video (codec '", options.codec,
                   "' with this container, or the folder is not writable)");
  }
}

VideoWriter::~VideoWriter() {
  if (impl_ && !impl_->closed) {
    impl_->writer.release();
    std::error_code ec;
    fs::remove(impl_->temporary_path, ec);
  }
}

VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;

void VideoWriter::Write(const Image& frame) {
  GAITLENS_CHECK_INPUT(!impl_->closed, OptionError, impl_->path, ": Write() after Close()");
  GAITLENS_CHECK_INPUT(frame.width() == impl_->width && frame.height() == impl_->height &&
                           frame.channels() == 3,
                       OptionError, impl_->path, ": frame ", impl_->frames_written, " is ",
                       frame.width(), "x", frame.height(), "x", frame.channels(), ", expected ",
                       impl_->width, "x", impl_->height, "x3");
  impl_->writer.write(internal::MatFromImage(frame));
  ++impl_->frames_written;
}

void VideoWriter::Close() {
  if (impl_->closed) return;
  impl_->writer.release();
  impl_->closed = true;
  std::error_code ec;
  fs::rename(impl_->temporary_path, impl_->path, ec);
  if (ec) {
    fs::remove(impl_->temporary_path, ec);
    GAITLENS_THROW(InputError, impl_->path, ": cannot move the finished video into place");
  }
}

int VideoWriter::frames_written() const { return impl_->frames_written; }

}  // namespace gaitlens
