#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for OpenCityCommand: Debian packages (only the missing ones),
# the virtual environment, and the package with its dependencies. Safe to run again: each step is
# skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: QGIS (basemap renderer, its own Python), Xvfb (screenshots, big screen without a
# display), CJK fonts (the UI is Chinese), poppler-utils (pdftotext reads the PDF report back in a
# test), ffmpeg (the demo city's local camera streams), the X/EGL libraries Qt 6 needs, and
# PostgreSQL (the tests run the API against it too).
DEB_PACKAGES=(
  python3 python3-venv python3-pip
  qgis python3-qgis qgis-providers
  xvfb xauth fonts-noto-cjk ffmpeg poppler-utils
  libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libpulse0 libasound2
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gir1.2-gst-rtsp-server-1.0 python3-gi
  postgresql postgresql-15-postgis-3 gdal-bin python3-gdal
)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The virtual environment. QGIS stays outside it: its bindings belong to Debian's /usr/bin/python3.
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  $PYTHON -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=.venv/.installed-$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the package and its dependencies into .venv"
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.installed-*; touch "$stamp"
fi
# Compiled translations (.qm) are built here, not committed.
for ts in resources/translations/*.ts; do
  [ -f "$ts" ] || continue
  qm="${ts%.ts}.qm"
  if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then .venv/bin/pyside6-lrelease -silent "$ts" -qm "$qm"; fi
done
echo "setup: ready"
