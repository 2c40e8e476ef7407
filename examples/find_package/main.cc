// Prints what gaitlens knows about a video and, optionally, a keypoint file.
//   probe_example VIDEO [KEYPOINTS.csv]
#include <iostream>

#include "gaitlens/gaitlens.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " VIDEO [KEYPOINTS]\n";
    return 2;
  }
  try {
    const gaitlens::VideoInfo info = gaitlens::ProbeVideo(argv[1]);
    std::cout << argv[1] << ": " << info.BriefReport() << "\n";
    if (argc > 2) {
      const gaitlens::PoseSequence poses = gaitlens::ReadKeypoints(argv[2]);
      std::cout << argv[2] << ": " << poses.num_frames() << " frames of "
                << gaitlens::ToString(poses.layout()) << " keypoints\n";
    }
  } catch (const gaitlens::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
