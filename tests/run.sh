#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run every test.
# Usage: bash tests/run.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium also renders the charts of the PowerPoint/PDF exports (kaleido drives it: no browser
# download); the PDF text uses Liberation Sans with DejaVu Sans for the glyphs it lacks.
FONTS=(/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
  || [ ! -f "${FONTS[0]}" ] || [ ! -f "${FONTS[1]}" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-liberation \
    fonts-dejavu-core >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-test.txt
python3 -m ruff check dashboard tests benchmarks
python3 -m pytest "$@"
