#include "gaitlens/io/video_reader.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/video_writer.h"
#include "test_util.h"

namespace gaitlens {
namespace {

namespace fs = std::filesystem;

// Writes `frames` frames of a moving gradient with gaitlens' own writer.
void WriteClip(const std::string& path, int frames, double fps, int width = 64, int height = 48) {
  VideoWriterOptions options;
  options.fps = fps;
  if (fs::path(path).extension() == ".avi") options.codec = "MJPG";
  VideoWriter writer(path, width, height, options);
  for (int i = 0; i < frames; ++i) {
    Image frame(width, height, 3);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width * 3; ++x) frame.row(y)[x] = static_cast<std::uint8_t>(x + y + 7 * i);
    }
    writer.Write(frame);
  }
  writer.Close();
}

// Runs the ffmpeg command-line tool (installed by scripts/install_deps.sh) quietly.
void Ffmpeg(const std::string& arguments) {
  const std::string command = "ffmpeg -nostdin -loglevel error -y " + arguments;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::vector<VideoFrame> ReadAll(VideoReader* reader) {
  std::vector<VideoFrame> frames;
  VideoFrame frame;
  while (reader->Read(&frame)) frames.push_back(frame);
  return frames;
}

template <typename ErrorType>
std::string ErrorMessage(const std::string& path) {
  try {
    VideoReader reader(path);
  } catch (const ErrorType& e) {
    return e.what();
  }
  ADD_FAILURE() << "no " << typeid(ErrorType).name() << " for " << path;
  return "";
}

TEST(VideoReader, RealClipHasTheDocumentedProperties) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string path = test::SharedDataDir() + "/real/male_side/male_side.mp4";
  std::vector<std::string> warnings;
  const VideoInfo info = ProbeVideo(path, /*count_frames=*/true, &warnings);
  EXPECT_EQ(info.width, 720);
  EXPECT_EQ(info.height, 1280);
  EXPECT_TRUE(info.is_portrait());
  EXPECT_NEAR(info.fps, 30.0, 1e-6);
  EXPECT_EQ(info.frame_count, 360);
  EXPECT_NEAR(info.duration_s, 12.0, 1e-6);
  EXPECT_TRUE(warnings.empty()) << warnings.front();

  VideoReader reader(path);
  const std::vector<VideoFrame> frames = ReadAll(&reader);
  ASSERT_EQ(frames.size(), 360u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, static_cast<int>(i));
    EXPECT_NEAR(frames[i].timestamp_s, i / 30.0, 1e-3);
    EXPECT_EQ(frames[i].image.width(), 720);
    EXPECT_EQ(frames[i].image.height(), 1280);
  }
}

TEST(VideoReader, ReadsWhatTheWriterWrote) {
  test::TemporaryFolder folder;
  const std::string path = folder.File("clip.mp4");
  WriteClip(path, 50, 25.0);
  VideoReader reader(path);
  EXPECT_EQ(reader.info().width, 64);
  EXPECT_EQ(reader.info().height, 48);
  EXPECT_NEAR(reader.info().fps, 25.0, 1e-6);
  EXPECT_EQ(reader.info().frame_count, 50);
  const std::vector<VideoFrame> frames = ReadAll(&reader);
  ASSERT_EQ(frames.size(), 50u);
  EXPECT_NEAR(frames[49].timestamp_s, 49 / 25.0, 1e-6);
  EXPECT_EQ(frames[10].image.channels(), 3);
  EXPECT_TRUE(reader.warnings().empty());
  EXPECT_FALSE(reader.Read(nullptr));  // stays at the end
}

TEST(VideoReader, MaxFramesStopsEarlyWithoutWarning) {
  test::TemporaryFolder folder;
  WriteClip(folder.File("clip.avi"), 20, 30.0);
  VideoReaderOptions options;
  options.max_frames = 5;
  VideoReader reader(folder.File("clip.avi"), options);
  EXPECT_EQ(ReadAll(&reader).size(), 5u);
  EXPECT_TRUE(reader.warnings().empty());
  options.max_frames = -1;
  EXPECT_THROW(VideoReader(folder.File("clip.avi"), options), OptionError);
}

TEST(VideoReader, VariableFrameRateUsesContainerTimestamps) {
  test::TemporaryFolder folder;
  const std::string path = folder.File("vfr.mp4");
  // 15 frames at 1/30 s, then 15 at 1/60 s.
  Ffmpeg("-f lavfi -i testsrc=size=64x48:rate=30 -frames:v 30 "
         "-vf \"settb=1/600,setpts='if(lt(N,15),N/30,15/30+(N-15)/60)/TB'\" "
         "-fps_mode passthrough -enc_time_base 1/600 -video_track_timescale 600 "
         "-c:v libx264 -bf 0 " + path);
  VideoReader reader(path);
  const std::vector<VideoFrame> frames = ReadAll(&reader);
  ASSERT_EQ(frames.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    const double expected = i < 15 ? i / 30.0 : 15 / 30.0 + (i - 15) / 60.0;
    EXPECT_NEAR(frames[i].timestamp_s, expected, 2.5e-3) << "frame " << i;
  }
}

TEST(VideoReader, AppliesRotationMetadata) {
  test::TemporaryFolder folder;
  const std::string plain = folder.File("plain.mp4");
  const std::string rotated = folder.File("rotated.mp4");
  WriteClip(plain, 10, 30.0, 64, 48);
  Ffmpeg("-i " + plain + " -c copy -metadata:s:v:0 rotate=90 " + rotated);
  const VideoInfo info = ProbeVideo(rotated);
  EXPECT_EQ(info.width, 48);
  EXPECT_EQ(info.height, 64);
  EXPECT_TRUE(info.rotation_deg == 90 || info.rotation_deg == 270) << info.rotation_deg;
  VideoReaderOptions options;
  options.apply_rotation = false;
  VideoReader raw(rotated, options);
  EXPECT_EQ(raw.info().width, 64);
  EXPECT_EQ(raw.info().rotation_deg, 0);
}

TEST(VideoReader, TruncatedFileYieldsDecodableFramesAndAWarning) {
  test::TemporaryFolder folder;
  const std::string whole = folder.File("whole.mp4");
  // Index at the front (as phones and ffmpeg -movflags +faststart write it), so that a file cut
  // short still opens.
  Ffmpeg("-f lavfi -i testsrc=size=160x120:rate=30 -frames:v 90 -c:v mpeg4 -q:v 3 "
         "-movflags +faststart " + whole);
  const auto size = fs::file_size(whole);
  const std::string cut = folder.File("cut.mp4");
  fs::copy_file(whole, cut);
  fs::resize_file(cut, size / 2);

  VideoReader reader(cut);
  EXPECT_EQ(reader.info().frame_count, 90);
  const std::size_t decoded = ReadAll(&reader).size();
  EXPECT_GT(decoded, 10u);
  EXPECT_LT(decoded, 90u);
  ASSERT_EQ(reader.warnings().size(), 1u);
  EXPECT_NE(reader.warnings()[0].find("truncated"), std::string::npos) << reader.warnings()[0];
  EXPECT_NE(reader.warnings()[0].find("cut.mp4"), std::string::npos);

  std::vector<std::string> warnings;
  const VideoInfo counted = ProbeVideo(cut, /*count_frames=*/true, &warnings);
  EXPECT_EQ(counted.frame_count, static_cast<std::int64_t>(decoded));
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(VideoReader, FileCutBeforeItsIndexIsAFormatError) {
  test::TemporaryFolder folder;
  const std::string whole = folder.File("whole.mp4");
  WriteClip(whole, 30, 30.0);  // OpenCV writes the index at the end
  const std::string cut = folder.File("cut.mp4");
  fs::copy_file(whole, cut);
  fs::resize_file(cut, fs::file_size(whole) / 2);
  EXPECT_NE(ErrorMessage<FormatError>(cut).find("cut.mp4"), std::string::npos);
}

TEST(VideoReader, ClearErrorsForFilesThatAreNotVideos) {
  test::TemporaryFolder folder;
  EXPECT_NE(ErrorMessage<InputError>(folder.File("missing.mp4")).find("no such file"),
            std::string::npos);
  test::WriteFile(folder.File("empty.mp4"), "");
  EXPECT_NE(ErrorMessage<InputError>(folder.File("empty.mp4")).find("empty"), std::string::npos);
  EXPECT_NE(ErrorMessage<InputError>(folder.path()).find("folder"), std::string::npos);
  test::WriteFile(folder.File("notes.txt"), "frame,x,y\n1,2,3\n");
  EXPECT_NE(ErrorMessage<FormatError>(folder.File("notes.txt")).find("notes.txt"),
            std::string::npos);
  std::string noise(20000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919) % 251);
  test::WriteFile(folder.File("noise.mp4"), noise);
  EXPECT_THROW(VideoReader(folder.File("noise.mp4")), FormatError);
}

TEST(VideoWriter, ValidatesFramesAndLeavesNothingBehindWhenAbandoned) {
  test::TemporaryFolder folder;
  {
    VideoWriter writer(folder.File("a.mp4"), 32, 32);
    EXPECT_THROW(writer.Write(Image(16, 16, 3)), OptionError);
    writer.Write(Image(32, 32, 3));
  }  // destroyed without Close(): no file, no temporary
  EXPECT_TRUE(fs::is_empty(folder.path()));
  VideoWriterOptions options;
  options.fps = 0;
  EXPECT_THROW(VideoWriter(folder.File("b.mp4"), 32, 32, options), OptionError);
  EXPECT_THROW(VideoWriter(folder.File("c.mp4"), 0, 32), OptionError);
}

}  // namespace
}  // namespace gaitlens
