// The model cache: checksums, manifest, and the errors a user sees when a model is missing.
#include "gaitlens/pose/models.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/sha256.h"
#include "gaitlens/core/error.h"
#include "test_util.h"

namespace gaitlens {
namespace {

TEST(Sha256, KnownVectors) {
  // FIPS 180-4 examples.
  EXPECT_EQ(internal::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(internal::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(internal::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(internal::Sha256Hex(million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Models, CacheDirFollowsTheEnvironment) {
  const char* saved = std::getenv("GAITLENS_MODEL_DIR");
  const std::string saved_value = saved != nullptr ? saved : "";
  setenv("GAITLENS_MODEL_DIR", "/somewhere/models", 1);
  EXPECT_EQ(DefaultModelCacheDir(), "/somewhere/models");
  unsetenv("GAITLENS_MODEL_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultModelCacheDir(), "/xdg/gaitlens/models");
  unsetenv("XDG_CACHE_HOME");
  if (saved != nullptr) setenv("GAITLENS_MODEL_DIR", saved_value.c_str(), 1);
}

TEST(Models, MissingModelSaysHowToInstallIt) {
  test::TemporaryFolder folder;
  EXPECT_TRUE(ListInstalledModels(folder.path()).empty());
  try {
    ResolveModel("movenet-lightning", folder.path());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gaitlens models install"), std::string::npos) << e.what();
  }
}

TEST(Models, ChecksumAndManifestAreVerified) {
  test::TemporaryFolder folder;
  test::WriteFile(folder.File("m.onnx"), "model bytes");
  test::WriteFile(folder.File("models.json"),
                  "{\"models\": [{\"name\": \"tiny\", \"file\": \"m.onnx\", \"input_size\": 64, "
                  "\"sha256\": \"" + internal::Sha256Hex("model bytes") + "\"}]}");
  const ModelInfo info = ResolveModel("tiny", folder.path());
  EXPECT_EQ(info.input_size, 64);
  EXPECT_EQ(info.path, folder.File("m.onnx"));
  test::WriteFile(folder.File("m.onnx"), "tampered bytes");
  EXPECT_THROW(ResolveModel("tiny", folder.path()), FormatError);
  std::filesystem::remove(folder.File("m.onnx"));
  EXPECT_THROW(ResolveModel("tiny", folder.path()), InputError);
  test::WriteFile(folder.File("models.json"), "{\"models\": [{\"name\": 3}]");
  EXPECT_THROW(ListInstalledModels(folder.path()), FormatError);
}

}  // namespace
}  // namespace gaitlens
