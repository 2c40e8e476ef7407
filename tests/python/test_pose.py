"""Pose extraction from Python with the installed MoveNet models."""

import numpy as np
import pytest

import gaitlens
import gaitlens.synth


def test_models_are_installed_and_verified():
    names = {m.name for m in gaitlens.installed_models()}
    assert {"movenet-lightning", "movenet-thunder"} <= names, (
        "run `gaitlens models install` (make test does)")
    info = gaitlens.resolve_model("movenet-lightning")
    assert info.input_size == 192 and len(info.sha256) == 64


def test_missing_model_raises_input_error(tmp_path):
    with pytest.raises(gaitlens.InputError, match="gaitlens models install"):
        gaitlens.resolve_model("movenet-lightning", cache_dir=str(tmp_path))


def test_extract_poses_on_the_synthetic_runner(tmp_path):
    video = tmp_path / "runner.mp4"
    o = gaitlens.synth.options(seconds=2, fps=30, noise="clean", seed=5)
    gaitlens.synth.render_video(video, o)
    truth = gaitlens.synth.generate(o)
    exact = truth.clean_poses.keypoints[:, :6, :2]
    for engine in ("xnnpack", "opencv"):
        poses = gaitlens.extract_poses(video, engine=engine, threads=1)
        assert poses.layout == "coco17" and len(poses) == 60
        assert engine in poses.source.lower()
        ours = poses.convert_layout("canonical").keypoints[:, :6, :2]  # hips, knees, ankles
        error = np.median(np.linalg.norm(ours - exact, axis=2))
        assert error < 15.0, f"{engine}: median error {error:.1f} px on a ~600 px runner"


def test_extract_poses_rejects_bad_input(tmp_path):
    with pytest.raises(gaitlens.InputError):
        gaitlens.extract_poses(tmp_path / "missing.mp4")
    (tmp_path / "fake.onnx").write_bytes(b"nope")
    (tmp_path / "clip.mp4").write_bytes(b"")
    with pytest.raises(gaitlens.FormatError):
        gaitlens.extract_poses(tmp_path / "clip.mp4", model=str(tmp_path / "fake.onnx"))
    with pytest.raises(gaitlens.OptionError, match="auto, xnnpack, opencv"):
        gaitlens.extract_poses(tmp_path / "clip.mp4", engine="gpu")


def test_cli_pose_writes_keypoints(cli, tmp_path, shared_data):
    out = tmp_path / "poses.csv"
    result = cli("pose", shared_data / "real" / "male_side" / "male_side.mp4", "-o", out,
                 "--max-frames", 30, "--engine", "xnnpack", check=0)
    assert "30 frames" in result.stdout and "XNNPACK" in result.stdout
    poses = gaitlens.read_gaitlens_csv(out)
    assert len(poses) == 30 and poses.layout == "coco17"
    assert (poses.keypoints[:, 11:17, 2] > 0.3).mean() > 0.9  # hips, knees, ankles found


def test_cli_models_list(cli):
    result = cli("models", "list", check=0)
    assert "movenet-lightning" in result.stdout and "ok" in result.stdout


def test_cli_pose_overlay_video(cli, tmp_path):
    video = tmp_path / "runner.mp4"
    gaitlens.synth.render_video(video, seconds=1, fps=30, width=360, height=640, noise="clean")
    overlay = tmp_path / "overlay.mp4"
    cli("pose", video, "-o", tmp_path / "p.csv", "--overlay", overlay, check=0)
    info = gaitlens.probe(overlay, count_frames=True)
    assert (info.width, info.height, info.frame_count) == (360, 640, 30)
    plain = next(iter(gaitlens.VideoReader(video))).image.astype(int)
    drawn = next(iter(gaitlens.VideoReader(overlay))).image.astype(int)
    assert np.abs(drawn - plain).max() > 100  # the skeleton is drawn
    # With a frame limit the overlay stops where the poses do (it used to fail: "more frames").
    short = tmp_path / "short.mp4"
    cli("pose", video, "-o", tmp_path / "q.csv", "--max-frames", "12", "--overlay", short, check=0)
    assert gaitlens.probe(short, count_frames=True).frame_count == 12
