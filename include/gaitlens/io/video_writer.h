// Writes videos (for the synthetic runner, overlays and tests) through OpenCV/FFmpeg. The file
// appears at its path only when Close() succeeds: frames go to a temporary file that is renamed
// into place, so an interrupted run never leaves a half-written video under the final name.
#ifndef GAITLENS_IO_VIDEO_WRITER_H_
#define GAITLENS_IO_VIDEO_WRITER_H_

#include <memory>
#include <string>

#include "gaitlens/core/image.h"

namespace gaitlens {

struct VideoWriterOptions {
  // Frames per second written into the container. In (0, 1000].
  double fps = 30.0;
  // Four-character codec: "mp4v" (MPEG-4 part 2, always available in Debian's FFmpeg), "MJPG"
  // (with an .avi path), "avc1" (H.264, where the FFmpeg build has an encoder).
  std::string codec = "mp4v";

  void Check() const;
};

class VideoWriter {
 public:
  // Frames must all be width x height, BGR (3 channels). Throws OptionError for bad sizes or
  // options and InputError when the file cannot be created.
  VideoWriter(const std::string& path, int width, int height, const VideoWriterOptions& options = {});
  ~VideoWriter();  // Discards the temporary file if Close() was not called.
  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;

  void Write(const Image& frame);
  // Finishes the file and moves it to its path.
  void Close();
  int frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gaitlens

#endif  // GAITLENS_IO_VIDEO_WRITER_H_
