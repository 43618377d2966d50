#!/usr/bin/env bash
# Renders every report.html under a folder in headless Chromium, as a reader's browser shows it, to PNG screenshots.
#
#   scripts/render_reports.sh REPORTS_DIR OUT_DIR [WIDTH]
#
# REPORTS_DIR  a folder of report folders (e.g. reports/), or one report folder; every report.html below it is rendered
# OUT_DIR      where the screenshots go: OUT_DIR/<report-folder>.png (the whole page) and, when ImageMagick's
#              `convert` is installed, OUT_DIR/<report-folder>/part-NN.png (the page cut into screen-sized tiles,
#              easier to look at)
# WIDTH        window width in CSS pixels (default 1200)
#
# Installs Debian's chromium with apt-get when it is missing (needs root). Each page is loaded twice: once to measure
# its height (a copy with a script that writes document height into the title, read back with --dump-dom), once to
# take the screenshot with a window that tall. Environment: CHROMIUM (the browser binary, default: chromium),
# TILE_HEIGHT (default 1600).
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
if [[ $# -lt 2 || $# -gt 3 ]]; then
  usage >&2
  exit 2
fi
src="$1"
out="$2"
width="${3:-1200}"
tile="${TILE_HEIGHT:-1600}"
if [[ ! -d "$src" ]]; then
  echo "render_reports: $src is not a folder" >&2
  exit 2
fi
if ! [[ "$width" =~ ^[0-9]+$ ]] || (( width < 320 )); then
  echo "render_reports: WIDTH must be a whole number of pixels ≥ 320, got $width" >&2
  exit 2
fi

browser="${CHROMIUM:-chromium}"
if ! command -v "$browser" >/dev/null 2>&1; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "render_reports: $browser is not installed; install Debian's chromium (apt-get install -y chromium)" >&2
    exit 2
  fi
  echo "render_reports: installing chromium with apt-get ..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  browser=chromium
fi

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

chrome() {
  # a fresh profile per call; no network, no first-run or update machinery
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$(mktemp -d -p "$work")" "$@" \
    2>>"$work/chromium.log"
}

mapfile -d '' pages < <(find "$src" -name report.html -type f -print0 | sort -z)
if [[ ${#pages[@]} -eq 0 ]]; then
  echo "render_reports: no report.html under $src" >&2
  exit 2
fi

rendered=0
for page in "${pages[@]}"; do
  dir="$(cd "$(dirname "$page")" && pwd)"
  name="$(basename "$dir")"
  # measure: a copy of the page (self-contained, so it renders the same anywhere) that reports its own height
  probe="$work/$name.measure.html"
  cp "$page" "$probe"
  printf '%s\n' '<script>document.title = "descent-height=" + Math.ceil(document.documentElement.scrollHeight);</script>' \
    >>"$probe"
  height="$(chrome --window-size="$width,1000" --dump-dom "file://$probe" | grep -o 'descent-height=[0-9]*' | head -n 1 \
    | cut -d= -f2 || true)"
  if [[ -z "$height" ]]; then
    echo "render_reports: could not measure $page (see $work/chromium.log); using 12000 px" >&2
    height=12000
  fi
  shot="$out/$name.png"
  chrome --window-size="$width,$height" --screenshot="$shot" "file://$dir/report.html" >/dev/null
  if [[ ! -s "$shot" ]]; then
    echo "render_reports: no screenshot of $page" >&2
    cat "$work/chromium.log" >&2
    exit 1
  fi
  if command -v convert >/dev/null 2>&1; then
    rm -rf "${out:?}/$name"
    mkdir -p "$out/$name"
    convert "$shot" -crop "${width}x${tile}" +repage "$out/$name/part-%02d.png"
  fi
  echo "$page -> $shot (${width}x${height})"
  rendered=$((rendered + 1))
done
echo "rendered $rendered report(s) into $out"
