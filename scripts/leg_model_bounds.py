#!/usr/bin/env python3
"""How close can a template-plus-smoothing fit get to the synthetic truth? (docs/leg_model.md)

An oracle that knows what no fit can: the true gait phase (footfalls and toe-offs of both legs
from the synthetic truth), the exact stride template of what is measured (a Fourier series over
that phase fitted to the exact values, plus a quadratic drift), and the smoothing width that is
best against the truth. It sees keypoints with the preset's jitter only (no dropouts, swaps,
occlusion or outliers) and estimates template + smoothed (measured - template), over the frames
between the first and last left footfall. What it leaves is the runner's own step-to-step
deviation from the template that the jitter hides.

- rear/front view: every hip, knee and ankle coordinate, position RMSE in % of leg; also with
  the template fitted to the clip's own jittered keypoints (still on the true phase), which is
  what a fit has to work from: an 8 s clip holds about ten strides;
- side view: the knee flexion angle computed from the jittered hip, knee and ankle, RMSE in
  degrees. (The leg model also knows the segment lengths, so this one is indicative, not a
  strict bound.)

Run with Debian's Python (numpy) and the built bindings on the path:
    PYTHONPATH=build/python /usr/bin/python3 scripts/leg_model_bounds.py [--white] [noise] [fps ...]
--white makes the jitter independent from frame to frame (the presets correlate it, 0.3 from one
frame to the next); harsh noise with --white is the leg-model issue's noise as it is written.
"""
import sys

import numpy as np

import gaitlens.synth as gs

HARMONICS = 12
OWN_HARMONICS = [4, 6, 8, 12]  # a template fitted to noisy keypoints: fewer harmonics follow less noise
WIDTHS = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, None]  # Gaussian sd in frames; None: template only


def smooth(values, width):
    if width is None:
        return np.zeros_like(values)
    if width == 0:
        return values
    radius = int(4 * width) + 1
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / width) ** 2)
    kernel /= kernel.sum()
    return np.convolve(np.pad(values, radius, mode="reflect"), kernel, mode="valid")


def true_phase(times, steps):
    """Stride phase (left footfall = whole numbers) warped through both legs' contact events."""
    events = []
    for s in steps:
        events.append((s["ic_s"], "ic_" + s["side"]))
        events.append((s["ic_s"] + s["contact_time_s"], "to_" + s["side"]))
    events.sort()
    left = [t for t, kind in events if kind == "ic_left"]
    fractions = {"to_left": [], "ic_right": [], "to_right": []}
    for a, b in zip(left[:-1], left[1:]):
        for t, kind in events:
            if a < t < b and kind in fractions:
                fractions[kind].append((t - a) / (b - a))
    mean = {kind: np.mean(v) for kind, v in fractions.items()}
    knot_t, knot_p = [], []
    for i, (a, b) in enumerate(zip(left[:-1], left[1:])):
        knot_t.append(a)
        knot_p.append(i)
        for t, kind in events:
            if a < t < b and kind in mean:
                knot_t.append(t)
                knot_p.append(i + mean[kind])
    knot_t.append(left[-1])
    knot_p.append(len(left) - 1)
    order = np.argsort(knot_t)
    return np.interp(times, np.array(knot_t)[order], np.array(knot_p)[order]), left


def design(phase, times, harmonics=HARMONICS):
    columns = [np.ones_like(phase), times, times**2]
    for h in range(1, harmonics + 1):
        columns += [np.cos(2 * np.pi * h * phase), np.sin(2 * np.pi * h * phase)]
    return np.stack(columns, 1)


WHITE = False  # --white: jitter independent from frame to frame


def jittered(exact, seen, noise, seed):
    """exact + the preset's jitter: its size as realised on each detected point (robust sd; a
    side view's far leg may be noisier), its frame-to-frame correlation as the preset sets it.
    Also returns the mean sd."""
    correlation = 0.0 if WHITE else gs.options(noise=noise).noise.jitter_correlation
    detected = seen[..., 2] > 0
    error = seen[..., :2] - exact
    sd = np.array([1.4826 * np.median(np.abs(error[detected[:, k], k])) for k in range(exact.shape[1])])
    rng = np.random.default_rng(seed)
    white = rng.normal(size=exact.shape)
    jitter = np.empty_like(white)
    jitter[0] = white[0]
    for f in range(1, exact.shape[0]):
        jitter[f] = correlation * jitter[f - 1] + np.sqrt(1 - correlation**2) * white[f]
    return exact + sd[None, :, None] * jitter, sd.mean()


def best_smoothed(measured, template, exact):
    """The least mean squared error of template + smoothed residual over the widths."""
    return min(np.mean((template + smooth(measured - template, w) - exact) ** 2) for w in WIDTHS)


def knee_flexion(points, side):
    hip, knee, ankle = points[:, side], points[:, 2 + side], points[:, 4 + side]
    u, v = hip - knee, ankle - knee
    return 180 - np.degrees(np.arctan2(np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]), (u * v).sum(1)))


def side_bound(facing_right, fps, noise, seed):
    r = gs.generate(view="side", facing_right=facing_right, fps=fps, seconds=8.0, noise=noise, seed=seed)
    exact = r.clean_poses.keypoints[:, :6, :2]
    seen = r.poses.keypoints[:, :6]
    times = np.arange(exact.shape[0]) / fps
    phase, left = true_phase(times, r.truth["steps"])
    inside = (times >= left[0]) & (times <= left[-1])
    keypoints, _ = jittered(exact, seen, noise, seed)
    basis = design(phase[inside] % 1.0, times[inside])
    errors, deviations = [], []
    for side in range(2):
        truth = knee_flexion(exact, side)[inside]
        coefficients, *_ = np.linalg.lstsq(basis, truth, rcond=None)
        template = basis @ coefficients
        errors.append(best_smoothed(knee_flexion(keypoints, side)[inside], template, truth))
        deviations.append(np.mean((truth - template) ** 2))
    return np.sqrt(np.mean(errors)), np.sqrt(np.mean(deviations))


def bound(view, fps, noise, seed):
    r = gs.generate(view=view, fps=fps, seconds=8.0, noise=noise, seed=seed)
    exact = r.clean_poses.keypoints[:, :6, :2]
    seen = r.poses.keypoints[:, :6]
    times = np.arange(exact.shape[0]) / fps
    leg = np.mean(
        [np.hypot(*(exact[:, s] - exact[:, 2 + s]).T) + np.hypot(*(exact[:, 2 + s] - exact[:, 4 + s]).T)
         for s in range(2)])
    phase, left = true_phase(times, r.truth["steps"])
    inside = (times >= left[0]) & (times <= left[-1])
    exact, seen, times, phase = exact[inside], seen[inside], times[inside], phase[inside]
    n = exact.shape[0]
    basis = design(phase % 1.0, times)
    coefficients, *_ = np.linalg.lstsq(basis, exact.reshape(n, -1), rcond=None)
    template = (basis @ coefficients).reshape(exact.shape)
    keypoints, sd = jittered(exact, seen, noise, seed)

    def rmse(templ):
        total = 0.0
        for axis in range(2):
            # One width for all six points of a coordinate (each point's own best is within 0.01).
            total += min(np.mean(((templ[..., axis] + np.stack(
                [smooth(keypoints[:, k, axis] - templ[:, k, axis], w) for k in range(6)], 1)
                - exact[..., axis]) / leg * 100) ** 2) for w in WIDTHS)
        return np.sqrt(total)

    deviation = np.sqrt(np.mean(np.sum(((exact - template) / leg * 100) ** 2, axis=2)))
    own = []  # the number of harmonics that is best against the truth
    for harmonics in OWN_HARMONICS:
        own_basis = design(phase % 1.0, times, harmonics)
        coefficients, *_ = np.linalg.lstsq(own_basis, keypoints.reshape(n, -1), rcond=None)
        own.append(rmse((own_basis @ coefficients).reshape(exact.shape)))
    return rmse(template), deviation, sd / leg * 100, min(own)


def main():
    global WHITE
    args = sys.argv[1:]
    WHITE = "--white" in args
    args = [a for a in args if a != "--white"]
    noise = args[0] if args else "harsh"
    rates = [int(a) for a in args[1:]] or [30, 60, 120, 240]
    seeds = (3, 5, 7, 9)
    print(f"noise {noise}{' with white jitter' if WHITE else ''}, 8 s clips, mean of 4 seeds x 2 "
          "views or facings (worst in brackets)")
    for fps in rates:
        rows = np.array([bound(view, fps, noise, seed) for seed in seeds for view in ("rear", "front")])
        print(f"  {fps:3d} fps rear/front: oracle position RMSE {rows[:, 0].mean():.2f} % of leg "
              f"({rows[:, 0].max():.2f}); exact positions deviate {rows[:, 1].mean():.2f} % from their "
              f"template; jitter {rows[:, 2].mean():.2f} % per coordinate; with the template fitted "
              f"to the jittered keypoints {rows[:, 3].mean():.2f} % ({rows[:, 3].max():.2f})", flush=True)
        rows = np.array([side_bound(facing, fps, noise, seed) for seed in seeds for facing in (False, True)])
        print(f"  {fps:3d} fps side: oracle knee RMSE {rows[:, 0].mean():.2f} deg ({rows[:, 0].max():.2f}); "
              f"the exact knee deviates {rows[:, 1].mean():.2f} deg from its template", flush=True)


if __name__ == "__main__":
    main()
