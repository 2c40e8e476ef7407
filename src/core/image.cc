#include "gaitlens/core/image.h"

#include <cstring>

#include "gaitlens/core/error.h"

namespace gaitlens {

Image::Image(int width, int height, int channels)
    : width_(width), height_(height), channels_(channels) {
  GAITLENS_CHECK_INPUT(width >= 0 && height >= 0 && (channels == 1 || channels == 3), OptionError,
                       "Image: invalid size ", width, "x", height, "x", channels);
  step_bytes_ = static_cast<std::size_t>(width) * channels;
  const std::size_t bytes = step_bytes_ * height;
  std::shared_ptr<std::uint8_t[]> pixels(new std::uint8_t[bytes > 0 ? bytes : 1]());
  data_ = pixels.get();
  owner_ = std::shared_ptr<void>(pixels, pixels.get());
}

Image::Image(int width, int height, int channels, std::size_t step_bytes, std::uint8_t* data,
             std::shared_ptr<void> owner)
    : width_(width),
      height_(height),
      channels_(channels),
      step_bytes_(step_bytes),
      data_(data),
      owner_(std::move(owner)) {}

Image Image::Clone() const {
  Image copy(width_, height_, channels_ == 0 ? 3 : channels_);
  for (int y = 0; y < height_; ++y) {
    std::memcpy(copy.row(y), row(y), static_cast<std::size_t>(width_) * channels_);
  }
  return copy;
}

}  // namespace gaitlens
