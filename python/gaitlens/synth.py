"""The synthetic treadmill runner: keypoints and video whose every metric is known.

    >>> import gaitlens.synth
    >>> result = gaitlens.synth.generate(view="side", cadence_spm=165, fps=120, seconds=5)
    >>> result.truth["summary"]["cadence_spm"], result.poses.keypoints.shape

See docs/synthetic.md for the model, its parameters and its limits.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from gaitlens._core import PoseSequence
from gaitlens._core._synth import CameraParams, NoiseParams, RunnerParams, SynthOptions
from gaitlens._core import _synth

__all__ = ["CameraParams", "NoiseParams", "RunnerParams", "SynthOptions", "SynthResult",
           "generate", "options", "render_video"]


@dataclasses.dataclass
class SynthResult:
    """Ground truth (the documented JSON as a dict) and the keypoints."""

    truth: dict[str, Any]
    poses: PoseSequence
    clean_poses: PoseSequence


def options(view: str = "side", facing_right: bool = False, fps: float = 120.0,
            seconds: float = 10.0, noise: str = "realistic", layout: str = "canonical",
            seed: int = 1, width: int = 720, height: int = 1280, **runner: Any) -> SynthOptions:
    """SynthOptions from keyword arguments; extra keywords set RunnerParams fields by name."""
    o = SynthOptions()
    o.camera.view = view
    o.camera.facing_right = facing_right
    o.camera.fps = fps
    o.camera.width = width
    o.camera.height = height
    o.duration_s = seconds
    o.noise = NoiseParams.preset(noise)
    o.layout = layout
    params = o.runner
    for name, value in runner.items():
        if not hasattr(params, name):
            raise TypeError(f"unknown runner parameter {name!r}")
        setattr(params, name, value)
    params.seed = seed
    o.runner = params
    o.noise_seed = seed + 1000
    o.check()
    return o


def generate(synth_options: SynthOptions | None = None, **kwargs: Any) -> SynthResult:
    """Generate a clip: pass a SynthOptions, or keywords for :func:`options`."""
    o = synth_options if synth_options is not None else options(**kwargs)
    truth_text, poses, clean = _synth.generate(o)
    return SynthResult(json.loads(truth_text), poses, clean)


def render_video(path: str | os.PathLike, synth_options: SynthOptions | None = None,
                 markers: bool = False, **kwargs: Any) -> None:
    """Render the clip to a video file (mp4)."""
    o = synth_options if synth_options is not None else options(**kwargs)
    _synth.render_video(o, os.fspath(path), markers)
