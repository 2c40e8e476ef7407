// A plain 8-bit image type so that public headers need no OpenCV.
#ifndef GAITLENS_CORE_IMAGE_H_
#define GAITLENS_CORE_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace gaitlens {

// An 8-bit image with interleaved channels (3 = BGR, as OpenCV decodes video; 1 = grey).
// Copying an Image is cheap and shares the pixels; use Clone() for a deep copy.
class Image {
 public:
  Image() = default;
  // Allocates a zero-filled image.
  Image(int width, int height, int channels);
  // Wraps pixels owned by `owner` (kept alive as long as the image is). step_bytes = row stride.
  Image(int width, int height, int channels, std::size_t step_bytes, std::uint8_t* data,
        std::shared_ptr<void> owner);

  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  std::size_t step_bytes() const { return step_bytes_; }
  bool empty() const { return data_ == nullptr || width_ == 0 || height_ == 0; }

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::uint8_t* row(int y) { return data_ + static_cast<std::size_t>(y) * step_bytes_; }
  const std::uint8_t* row(int y) const { return data_ + static_cast<std::size_t>(y) * step_bytes_; }

  Image Clone() const;

 private:
  int width_ = 0;
  int height_ = 0;
  int channels_ = 0;
  std::size_t step_bytes_ = 0;
  std::uint8_t* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

}  // namespace gaitlens

#endif  // GAITLENS_CORE_IMAGE_H_
