"""gaitlens: treadmill running gait analysis from video (cadence, overstride, knee valgus).

The heavy lifting is the C++ library; this package is a thin, pythonic layer over its bindings
(``gaitlens._core``). Build it for Debian's ``/usr/bin/python3`` (see README.md).
"""

from __future__ import annotations

import os
import warnings as _warnings

from gaitlens._core import (  # noqa: F401  (re-exported API)
    AnalysisError,
    FitOptions,
    FittedMotion,
    fit_leg_model,
    ModelInfo,
    default_model_dir,
    install_models,
    installed_models,
    resolve_model,
    Error,
    FormatError,
    InputError,
    OptionError,
    PoseSequence,
    VideoFrame,
    VideoInfo,
    VideoReader,
    __version__,
    build_info,
    canonical_index,
    keypoint_layouts,
    keypoint_names,
    read_keypoints,
    version,
    write_gaitlens_csv,
)
from gaitlens import _core

__all__ = [
    "AnalysisError", "Error", "FitOptions", "FittedMotion", "fit_leg_model", "ModelInfo", "default_model_dir", "extract_poses",
    "install_models", "installed_models", "resolve_model", "FormatError", "InputError", "OptionError", "PoseSequence",
    "VideoFrame", "VideoInfo", "VideoReader", "build_info", "canonical_index", "keypoint_layouts",
    "keypoint_names", "probe", "read_deeplabcut", "read_gaitlens_csv", "read_keypoints",
    "read_openpose", "read_pose_json", "version", "write_gaitlens_csv",
]


def probe(path: str | os.PathLike, count_frames: bool = False) -> VideoInfo:
    """Size (after rotation), frame rate, frame count, duration and codec of a video.

    With ``count_frames`` every frame is decoded, so the count is exact and a truncated file is
    noticed. Problems that do not stop reading (truncation) are issued as ``UserWarning``.
    Raises ``InputError`` for missing/empty files and ``FormatError`` for non-videos.
    """
    info, problems = _core._probe(os.fspath(path), count_frames)
    for problem in problems:
        _warnings.warn(problem, UserWarning, stacklevel=2)
    return info


def read_gaitlens_csv(path: str | os.PathLike) -> PoseSequence:
    """Read a gaitlens keypoint CSV (docs/formats.md)."""
    return read_keypoints(os.fspath(path), format="gaitlens_csv")


def read_openpose(folder: str | os.PathLike, fps: float, layout: str = "auto") -> PoseSequence:
    """Read a folder of OpenPose ``*_keypoints.json`` files (BODY_25 or COCO-18).

    OpenPose stores no time, so ``fps`` is required. With several people per frame the runner
    (the track that persists) is kept.
    """
    return read_keypoints(os.fspath(folder), fps=fps, format="openpose_json",
                          openpose_layout=layout)


def read_deeplabcut(path: str | os.PathLike, fps: float,
                    min_likelihood: float = 0.0) -> PoseSequence:
    """Read a DeepLabCut CSV; body parts are mapped to canonical points by name."""
    return read_keypoints(os.fspath(path), fps=fps, format="deeplabcut_csv",
                          min_likelihood=min_likelihood)


def read_pose_json(path: str | os.PathLike, fps: float = 0.0) -> PoseSequence:
    """Read a pose JSON document (keypoint_names + frames), e.g. ``gaitlab.pose/v1``."""
    return read_keypoints(os.fspath(path), fps=fps, format="pose_json")


def extract_poses(path: str | os.PathLike, model: str = "movenet-lightning",
                  track_crop: bool = True, max_frames: int = 0,
                  cache_dir: str = "", engine: str = "auto", threads: int = 0) -> PoseSequence:
    """Keypoints of the runner in every frame of a video (COCO-17, pixels, real timestamps).

    ``model`` is ``"movenet-lightning"`` (fast), ``"movenet-thunder"`` (accurate) or a MoveNet
    ``.onnx`` path; models are installed by ``gaitlens models install`` (or
    :func:`install_models`). ``engine`` is ``"auto"`` (XNNPACK when it can run the model),
    ``"xnnpack"`` or ``"opencv"``; ``threads`` is XNNPACK's thread count (0 = one per core).
    The GIL is released while it runs. Warnings of the video reader (e.g. a truncated file) are
    issued as ``UserWarning``.
    """
    poses, report = _core._extract_poses(os.fspath(path), model, track_crop, max_frames,
                                         cache_dir, engine, threads)
    for problem in report["warnings"]:
        _warnings.warn(problem, UserWarning, stacklevel=2)
    return poses
