"""The Python API over the C++ core: import, errors, video reading, keypoints."""

import math
import warnings

import numpy as np
import pytest

import gaitlens


def test_import_and_version():
    assert gaitlens.__version__ == gaitlens.version()
    assert gaitlens.__version__.count(".") == 2
    assert "OpenCV" in gaitlens.build_info()


def test_error_hierarchy_maps_to_python_builtins():
    assert issubclass(gaitlens.InputError, gaitlens.Error)
    assert issubclass(gaitlens.InputError, OSError)
    assert issubclass(gaitlens.FormatError, ValueError)
    assert issubclass(gaitlens.OptionError, ValueError)
    assert issubclass(gaitlens.Error, RuntimeError)


def test_probe_missing_and_empty_files_raise_input_error(tmp_path):
    with pytest.raises(gaitlens.InputError, match="no such file"):
        gaitlens.probe(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(gaitlens.InputError, match="empty"):
        gaitlens.probe(tmp_path / "empty.mp4")


def test_probe_garbage_raises_format_error(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a video at all\n" * 100)
    with pytest.raises(gaitlens.FormatError, match="notes.mp4"):
        gaitlens.probe(tmp_path / "notes.mp4")


def test_probe_real_clip(shared_data):
    info = gaitlens.probe(shared_data / "real" / "male_side" / "male_side.mp4", count_frames=True)
    assert (info.width, info.height) == (720, 1280)
    assert info.is_portrait
    assert info.frame_count == 360
    assert info.fps == pytest.approx(30.0)
    assert info.duration_s == pytest.approx(12.0)


def test_video_reader_iterates_numpy_frames(clip):
    reader = gaitlens.VideoReader(clip, max_frames=7)
    frames = list(reader)
    assert len(frames) == 7
    assert frames[3].image.shape == (640, 360, 3)
    assert frames[3].image.dtype == np.uint8
    assert frames[6].timestamp_s == pytest.approx(6 / 60.0, abs=1e-6)
    assert reader.frames_read == 7


def test_probe_warns_on_truncated_file(tmp_path, clip):
    data = clip.read_bytes()
    # The demo clip is written by OpenCV with its index at the end: cut, it cannot open at all.
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(gaitlens.FormatError):
        gaitlens.probe(tmp_path / "cut.mp4")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gaitlens.probe(clip, count_frames=True)  # a whole file gives no warning


def test_pose_sequence_from_numpy_round_trips_through_csv(tmp_path):
    rng = np.random.default_rng(4)
    keypoints = np.empty((12, 17, 3))
    keypoints[..., :2] = rng.uniform(0, 500, size=(12, 17, 2))
    keypoints[..., 2] = rng.uniform(0.1, 1.0, size=(12, 17))
    keypoints[5, 3] = 0.0  # a missing point
    poses = gaitlens.PoseSequence(keypoints, fps=120.0, layout="coco17", image_width=640,
                                  image_height=480, source="numpy")
    assert len(poses) == 12 and poses.num_keypoints == 17
    assert poses.keypoint_names[11] == "left_hip"
    assert poses.estimated_fps() == pytest.approx(120.0)
    path = tmp_path / "poses.csv"
    gaitlens.write_gaitlens_csv(poses, str(path))
    back = gaitlens.read_gaitlens_csv(path)
    assert back.layout == "coco17"
    np.testing.assert_array_equal(back.keypoints, poses.keypoints)
    np.testing.assert_array_equal(back.timestamps_s, poses.timestamps_s)
    assert (back.image_width, back.image_height) == (640, 480)


def test_keypoints_view_is_writable_and_validated():
    poses = gaitlens.PoseSequence(np.zeros((3, 17, 3)), fps=30.0, layout="coco17")
    poses.keypoints[1, 0] = (10.0, 20.0, 0.5)
    assert poses.keypoints[1, 0, 1] == 20.0
    poses.keypoints[2, 0, 0] = math.inf
    with pytest.raises(gaitlens.FormatError, match="frame 2, nose"):
        poses.validate("test")


def test_pose_sequence_rejects_bad_arrays():
    with pytest.raises(gaitlens.OptionError, match="17 keypoints"):
        gaitlens.PoseSequence(np.zeros((3, 5, 3)), fps=30.0, layout="coco17")
    with pytest.raises(gaitlens.OptionError, match="unknown keypoint layout"):
        gaitlens.PoseSequence(np.zeros((3, 17, 3)), fps=30.0, layout="coco18")
    with pytest.raises(gaitlens.OptionError, match="fps"):
        gaitlens.PoseSequence(np.zeros((3, 17, 3)), fps=-1.0, layout="coco17")
    with pytest.raises(gaitlens.FormatError):
        gaitlens.PoseSequence(np.full((3, 17, 3), np.nan), fps=30.0, layout="coco17")


def test_layout_conversion_keeps_shared_points_and_marks_others_missing():
    keypoints = np.zeros((2, 25, 3))
    names = gaitlens.keypoint_names("body25")
    keypoints[:, names.index("left_heel")] = (100.0, 200.0, 0.9)
    keypoints[:, names.index("left_knee")] = (110.0, 150.0, 0.8)
    body25 = gaitlens.PoseSequence(keypoints, fps=60.0, layout="body25")
    canonical = body25.convert_layout("canonical")
    cnames = canonical.keypoint_names
    assert tuple(canonical.keypoints[0, cnames.index("left_heel")]) == (100.0, 200.0, 0.9)
    coco = canonical.convert_layout("coco17")
    assert tuple(coco.keypoints[1, coco.keypoint_names.index("left_knee")]) == (110.0, 150.0, 0.8)
    assert "left_heel" not in coco.keypoint_names
    assert gaitlens.canonical_index("LHeel") == cnames.index("left_heel")


def test_read_real_pose_json(shared_data):
    poses = gaitlens.read_pose_json(shared_data / "real" / "male_side" / "male_side.pose.json")
    assert len(poses) == 360
    assert poses.estimated_fps() == pytest.approx(30.0)
    assert (poses.image_width, poses.image_height) == (720, 1280)
    ankle = poses.keypoint_names.index("left_ankle")
    assert (poses.keypoints[:, ankle, 2] > 0).mean() > 0.9


def test_reader_errors_are_typed(tmp_path):
    with pytest.raises(gaitlens.InputError):
        gaitlens.read_keypoints(str(tmp_path / "missing.csv"))
    (tmp_path / "bad.csv").write_text("# gaitlens keypoints v1\nthis,is,not,right\n")
    with pytest.raises(gaitlens.FormatError, match="bad.csv"):
        gaitlens.read_keypoints(str(tmp_path / "bad.csv"))
    with pytest.raises(gaitlens.OptionError):
        gaitlens.read_openpose(tmp_path, fps=-5)
