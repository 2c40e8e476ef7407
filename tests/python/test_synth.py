"""gaitlens.synth from Python: the truth and keypoints agree with the parameters."""

import numpy as np
import pytest

import gaitlens
import gaitlens.synth


def test_generate_returns_truth_and_numpy_keypoints():
    result = gaitlens.synth.generate(view="side", fps=60, seconds=4, noise="clean",
                                     cadence_spm=175, variability_cv=0.0)
    assert result.truth["schema"] == "gaitlens.synth.truth/v1"
    assert result.truth["summary"]["cadence_spm"] == pytest.approx(175.0, abs=1e-6)
    assert result.poses.keypoints.shape == (240, 23, 3)
    np.testing.assert_array_equal(result.poses.keypoints, result.clean_poses.keypoints)
    steps = result.truth["steps"]
    assert {s["side"] for s in steps} == {"left", "right"}
    assert all(s["contact_time_s"] == pytest.approx(0.35 * 120 / 175) for s in steps)


def test_valgus_truth_in_a_rear_view():
    o = gaitlens.synth.options(view="rear", seconds=3, noise="clean", variability_cv=0.0,
                               peak_valgus_deg=[10.0, 3.0])
    o.camera.distance_m = 100.0
    result = gaitlens.synth.generate(o)
    for step in result.truth["steps"]:
        expected = 10.0 if step["side"] == "left" else 3.0
        assert step["fppa_peak_deg"] == pytest.approx(expected, abs=0.01)
        assert step["fppa_peak_camera_deg"] == pytest.approx(expected, abs=0.1)


def test_noise_presets_and_layouts():
    harsh = gaitlens.synth.generate(seconds=2, noise="harsh", layout="coco17", fps=30)
    assert harsh.poses.layout == "coco17"
    assert harsh.poses.keypoints.shape == (60, 17, 3)
    assert (harsh.poses.keypoints[..., 2] == 0).any()  # dropouts and occlusions
    assert sum(harsh.truth["frames"]["swapped"]) > 0


def test_bad_parameters_raise_option_error():
    with pytest.raises(gaitlens.OptionError, match="cadence_spm"):
        gaitlens.synth.generate(cadence_spm=900)
    with pytest.raises(TypeError, match="unknown runner parameter"):
        gaitlens.synth.options(speed_of_light=3e8)
    with pytest.raises(gaitlens.OptionError, match="view"):
        gaitlens.synth.options(view="sideways")


def test_cli_synth_writes_truth_and_keypoints(cli, tmp_path):
    truth, keypoints = tmp_path / "truth.json", tmp_path / "poses.csv"
    result = cli("synth", "--seconds", 2, "--fps", 60, "--cadence", 165, "--truth", truth,
                 "--keypoints", keypoints, "--seed", 7, check=0)
    assert "steps/min" in result.stdout
    poses = gaitlens.read_gaitlens_csv(keypoints)
    assert len(poses) == 120
    again = tmp_path / "again.csv"
    cli("synth", "--seconds", 2, "--fps", 60, "--cadence", 165, "--keypoints", again,
        "--seed", 7, check=0)
    assert again.read_bytes() == keypoints.read_bytes()  # same seed, same clip


def test_cli_synth_rejects_absurd_options(cli, tmp_path):
    result = cli("synth", "--fps", 5000, "--truth", tmp_path / "t.json")
    assert result.returncode == 2 and "fps" in result.stderr
    result = cli("synth", "--seconds", 1)
    assert result.returncode == 2 and "nothing to write" in result.stderr
