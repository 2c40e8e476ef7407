"""The gaitlens command-line tool, run as a user would."""

import json
import re

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
