#!/usr/bin/env bash
# Installs the Debian packages gaitlens needs to build, test and run. Idempotent: when every
# package is present it does nothing (no apt-get update, no network). Run as root or with sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libceres-dev libopencv-dev libxnnpack-dev libpthreadpool-dev
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev python3-numpy python3-pytest python3-onnx
  ffmpeg
  clang libclang-rt-14-dev
)
# npm fetches the pose model package. Some machines have Node.js with its own npm (not Debian's
# npm package): install Debian's only when there is no npm command at all.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
