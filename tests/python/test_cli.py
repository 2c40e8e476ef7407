"""The gaitlens command-line tool, run as a user would."""

import json
import re
import shutil
import subprocess

import pytest


def test_help_lists_subcommands(cli):
    result = cli("--help", check=0)
    for command in ("probe", "keypoints", "demo"):
        assert command in result.stdout


def test_version(cli):
    result = cli("--version", check=0)
    assert re.search(r"gaitlens \d+\.\d+\.\d+", result.stdout)


def test_unknown_command_is_a_usage_error(cli):
    result = cli("frobnicate")
    assert result.returncode == 2


def test_probe_real_clip(cli, shared_data):
    path = shared_data / "real" / "male_side" / "male_side.mp4"
    result = cli("probe", path, check=0)
    assert "720x1280 (portrait)" in result.stdout
    assert "30.000 fps" in result.stdout
    assert "360 frames" in result.stdout
    assert "12.000 s" in result.stdout


def test_probe_batch_reports_bad_files_and_goes_on(cli, clip, tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("hello\n")
    result = cli("probe", "--json", tmp_path / "empty.mp4", clip, tmp_path / "text.mp4",
                 tmp_path / "missing.mp4")
    assert result.returncode == 1
    reports = json.loads(result.stdout)
    assert len(reports) == 4
    assert "empty" in reports[0]["error"]
    assert reports[1]["frame_count"] == 240 and reports[1]["width"] == 360
    assert "text.mp4" in reports[2]["error"]
    assert "no such file" in reports[3]["error"]
    assert result.stderr.count("error:") == 3


def test_keypoints_summary_and_conversion(cli, tmp_path, shared_data):
    source = shared_data / "real" / "male_side" / "male_side.pose.json"
    out = tmp_path / "poses.csv"
    result = cli("keypoints", source, "-o", out, check=0)
    assert "360 frames" in result.stdout
    assert re.search(r"left_ankle\s+\d+\.\d %", result.stdout)
    again = cli("keypoints", out, check=0)
    assert "360 frames" in again.stdout and "canonical" in again.stdout


def test_keypoints_bad_options_are_usage_errors(cli, tmp_path):
    result = cli("keypoints", tmp_path, "--format", "openpose_json", "--fps", "-3")
    assert result.returncode == 2
    assert "fps" in result.stderr
    result = cli("keypoints", tmp_path / "x.csv", "--format", "nonsense")
    assert result.returncode == 2
    assert "valid:" in result.stderr


def test_keypoints_missing_file_is_reported(cli, tmp_path):
    result = cli("keypoints", tmp_path / "missing.csv")
    assert result.returncode == 1
    assert "missing.csv" in result.stderr


def test_demo_runs_and_says_what_it_did(cli, tmp_path):
    result = cli("demo", "-o", tmp_path / "d", check=0)
    cadence = float(re.search(r"synthetic runner: ([\d.]+) steps/min", result.stdout).group(1))
    assert abs(cadence - 168.0) < 168.0 * 0.03
    assert "360x640 (portrait), 60.000 fps, 240 frames" in result.stdout
    assert (tmp_path / "d" / "synthetic_keypoints.csv").exists()
    # Video -> MoveNet -> leg model, scored against the synthetic truth.
    pixels = float(re.search(r"median error over hips, knees and ankles ([\d.]+) px", result.stdout).group(1))
    assert pixels < 10.0
    knee = float(re.search(r"knee flexion at midstance off the truth by ([\d.]+) deg", result.stdout).group(1))
    assert knee < 3.0
    assert (tmp_path / "d" / "synthetic_truth.json").exists()


def _motion_rows(path):
    lines = path.read_text().splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def test_fit_batch_reports_bad_files_goes_on_and_resumes(cli, tmp_path):
    good = tmp_path / "run.poses.csv"
    cli("synth", "--seconds", 3, "--fps", 60, "--noise", "realistic", "--keypoints", good, check=0)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "notes.txt").write_text("hello\n")
    out = tmp_path / "out"
    result = cli("fit", tmp_path / "empty.csv", good, tmp_path / "notes.txt", tmp_path / "gone.csv",
                 "-o", out)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("gaitlens fit: error:") == 3
    for name in ("empty.csv", "notes.txt", "gone.csv"):
        assert name in result.stderr
    assert "4 inputs: 1 fitted, 0 skipped (done before), 3 failed" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["run.motion.csv", "run.motion.json"]
    header, rows = _motion_rows(out / "run.motion.csv")
    assert len(rows) == 2 * 180 and all(len(r) == len(header) for r in rows)
    assert rows[0][2] == "left" and rows[1][2] == "right"
    knee = [float(r[header.index("knee_flexion_deg")]) for r in rows]
    assert 80 < max(knee) < 140  # a runner's swing
    assert all(r[header.index("fppa_deg")] == "" for r in rows)  # side view: no FPPA
    summary = json.loads((out / "run.motion.json").read_text())
    assert summary["view"] == "side" and summary["frames"] == 180 and summary["solver"]["usable"]
    assert summary["relabelled_frames"] == sum(int(r[header.index("relabelled")]) for r in rows) // 2

    # Run again: what is done is skipped; an input whose summary is missing (a batch cut off
    # between the two files) is fitted again; --force fits everything.
    again = cli("fit", good, "-o", out, check=0)
    assert "done before" in again.stdout
    (out / "run.motion.json").unlink()
    redo = cli("fit", good, "-o", out, check=0)
    assert "done before" not in redo.stdout and (out / "run.motion.json").exists()
    forced = cli("fit", good, "-o", out, "--force", check=0)
    assert "done before" not in forced.stdout


def test_fit_absurd_options_are_usage_errors(cli, tmp_path):
    good = tmp_path / "run.poses.csv"
    cli("synth", "--seconds", 2, "--keypoints", good, check=0)
    for args, word in ((("--smoothness", "-1"), "smoothness"),
                       (("--cycle-prior-deg", "400"), "cycle_prior_deg"),
                       (("--view", "top"), "valid:"),
                       (("-o", good), "folder")):
        result = cli("fit", good, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert word in result.stderr, (args, result.stderr)
    other = tmp_path / "b"
    other.mkdir()
    (other / "run.poses.csv").write_text(good.read_text())
    result = cli("fit", good, other / "run.poses.csv", "-o", tmp_path / "out")
    assert result.returncode == 2 and "run.motion.csv" in result.stderr


def test_fit_a_video_finds_keypoints_first(cli, clip, tmp_path):
    out = tmp_path / "out"
    result = cli("fit", clip, "-o", out, check=0)
    assert "movenet-lightning" in result.stdout
    stem = clip.name.removesuffix(".mp4")
    assert (out / f"{stem}.poses.csv").exists()  # the keypoints are kept
    summary = json.loads((out / f"{stem}.motion.json").read_text())
    assert summary["view"] == "side" and summary["frames"] == 240 and summary["solver"]["usable"]
    # The synthetic runner's thigh and shank are alike (about 80 px in this 360x640 clip).
    lengths = summary["segment_lengths_px"]
    assert 60 < lengths["thigh"] < 100 and 60 < lengths["shank"] < 100
    (tmp_path / "broken.mp4").write_bytes(clip.read_bytes()[:5000])
    result = cli("fit", tmp_path / "broken.mp4", "-o", out)
    assert result.returncode == 1 and "broken.mp4" in result.stderr


def test_fit_a_video_without_a_runner_says_so(cli, tmp_path):
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg (installed by scripts/install_deps.sh) is not on PATH")
    empty = tmp_path / "empty_treadmill.mp4"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "color=c=gray:s=360x640:r=30",
                    "-t", "2", "-pix_fmt", "yuv420p", str(empty)], check=True)
    result = cli("fit", empty, "-o", tmp_path / "out")
    assert result.returncode == 1
    assert "runner missing in 60" in result.stdout
    assert "no runner" in result.stderr and "empty_treadmill.mp4" in result.stderr
    assert not (tmp_path / "out" / "empty_treadmill.motion.json").exists()
    result = cli("fit", empty, "-o", tmp_path / "out", "--runner-confidence", 2)
    assert result.returncode == 2 and "runner_confidence" in result.stderr
