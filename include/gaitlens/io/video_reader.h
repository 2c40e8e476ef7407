// Streaming video input over OpenCV's FFmpeg backend: one frame at a time with its real
// container timestamp, never the whole video in memory.
#ifndef GAITLENS_IO_VIDEO_READER_H_
#define GAITLENS_IO_VIDEO_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gaitlens/core/image.h"

namespace gaitlens {

// What the container says about a video, with sizes after rotation metadata is applied.
struct VideoInfo {
  std::string path;
  // Frame size as displayed (after applying rotation metadata), pixels.
  int width = 0;
  int height = 0;
  // Rotation metadata in degrees clockwise (0, 90, 180, 270) that was applied to the frames.
  int rotation_deg = 0;
  // Nominal frame rate from the container, frames per second.
  double fps = 0.0;
  // Frame count from the container (an estimate for some formats; -1 when unknown). After
  // reading a whole video, VideoReader::frames_read() is the exact count.
  std::int64_t frame_count = -1;
  // Duration in seconds: frame_count / fps (0 when unknown).
  double duration_s = 0.0;
  // Four-character codec tag as reported by the container ("avc1", "h264", "MJPG", ...).
  std::string codec;
  // File size in bytes.
  std::int64_t file_size_bytes = 0;

  bool is_portrait() const { return height > width; }
  // One line for logs: "720x1280 (portrait), 30.000 fps, 360 frames, 12.000 s, h264".
  std::string BriefReport() const;
};

struct VideoFrame {
  // 0-based index of the frame in decode order.
  int index = 0;
  // Presentation time in seconds from the first frame (from the container, so variable frame
  // rate clips are right).
  double timestamp_s = 0.0;
  // The decoded frame, BGR, rotation applied.
  Image image;
};

struct VideoReaderOptions {
  // Apply the container's rotation metadata so that portrait phone clips come out upright.
  bool apply_rotation = true;
  // Stop after this many frames (0 = all).
  int max_frames = 0;

  // Throws OptionError naming the field if a value is out of range.
  void Check() const;
};

class VideoReader {
 public:
  // Opens the file. Throws InputError for a missing, unreadable or empty file and FormatError
  // for a file no decoder accepts (not a video, or damaged beyond use).
  explicit VideoReader(const std::string& path, const VideoReaderOptions& options = {});
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  const VideoInfo& info() const;

  // Decodes the next frame into *frame. Returns false at the end of the video. A video that
  // ends before its container says (truncated) ends early with a warning, not an exception.
  bool Read(VideoFrame* frame);

  // Frames returned so far.
  int frames_read() const;
  // Problems met while reading that did not stop it (truncation, timestamps repaired, ...).
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens a video and reports its properties. With count_frames, decodes the whole file to count
// frames exactly and to detect truncation (slower); otherwise the container's numbers are used.
// Throws like the VideoReader constructor. Warnings (e.g. truncation) go to *warnings if given.
VideoInfo ProbeVideo(const std::string& path, bool count_frames = false,
                     std::vector<std::string>* warnings = nullptr);

}  // namespace gaitlens

#endif  // GAITLENS_IO_VIDEO_READER_H_
