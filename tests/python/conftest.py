"""Shared fixtures for the Python suite. Run with Debian's interpreter from the build tree:

    PYTHONPATH=build/python GAITLENS_CLI=build/gaitlens /usr/bin/python3 -m pytest tests/python
"""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def shared_data_dir():
    env = os.environ.get("GAITLENS_SHARED_DATA")
    candidate = pathlib.Path(env) if env else ROOT.parent / "shared" / "data"
    return candidate if (candidate / "real").is_dir() else None


@pytest.fixture
def shared_data():
    folder = shared_data_dir()
    if folder is None:
        pytest.skip("../shared/data (real clips with ground truth) is not next to the source tree; "
                    "set GAITLENS_SHARED_DATA to run this test")
    return folder


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("GAITLENS_CLI", str(ROOT / "build" / "gaitlens"))
    assert os.access(path, os.X_OK), f"gaitlens CLI not built at {path} (set GAITLENS_CLI)"

    def run(*args, check=None, cwd=None):
        result = subprocess.run([path, *map(str, args)], capture_output=True, text=True,
                                cwd=cwd, timeout=300)
        if check is not None:
            assert result.returncode == check, (result.returncode, result.stdout, result.stderr)
        return result

    return run


@pytest.fixture
def clip(tmp_path, cli):
    """The synthetic runner video written by `gaitlens demo` (240 frames, 360x640, 60 fps)."""
    cli("demo", "-o", tmp_path / "demo", check=0)
    return tmp_path / "demo" / "synthetic_runner.mp4"
