// SHA-256 (FIPS 180-4) for checking cached model files. Private to the library.
#ifndef GAITLENS_SRC_CORE_SHA256_H_
#define GAITLENS_SRC_CORE_SHA256_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace gaitlens::internal {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, std::size_t size);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  void Block(const std::uint8_t* block);
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string Sha256Hex(std::string_view data);
// Digest of a file's content; throws InputError when it cannot be read.
std::string Sha256OfFile(const std::string& path);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_CORE_SHA256_H_
