#!/usr/bin/env bash
# Makes sure /usr/bin/python3 can import numpy (and pandas with --pandas), installing Debian's packages when it
# cannot: python3-numpy, python3-pandas. PyPI is not needed. Exit 0 when the modules import; otherwise exit 1 with
# the reason on stderr (no python3, not root, no apt-get, or the install failed).
#   scripts/ensure-numpy.sh            # numpy
#   scripts/ensure-numpy.sh --pandas   # numpy and pandas
set -uo pipefail
python="${DESCENT_PYTHON:-/usr/bin/python3}"
modules=(numpy)
packages=(python3-numpy)
if [[ "${1:-}" == "--pandas" ]]; then
  modules+=(pandas)
  packages+=(python3-pandas)
fi

imports() {
  "$python" -c "import $(IFS=,; echo "${modules[*]}")" >/dev/null 2>&1
}

if imports; then
  exit 0
fi
if [[ ! -x "$python" ]]; then
  if ! command -v apt-get >/dev/null 2>&1 || [[ "$(id -u)" != "0" ]]; then
    echo "ensure-numpy: $python is missing and cannot be installed here (needs root and apt-get)" >&2
    exit 1
  fi
  packages+=(python3)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-numpy: $python cannot import ${modules[*]} and there is no apt-get to install ${packages[*]}" >&2
  exit 1
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "ensure-numpy: $python cannot import ${modules[*]}; install them as root: apt-get install -y ${packages[*]}" >&2
  exit 1
fi
echo "ensure-numpy: installing ${packages[*]} with apt-get ..." >&2
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2; then
  apt-get update >&2 || true
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2; then
    echo "ensure-numpy: apt-get could not install ${packages[*]} (offline, or no such package in this release)" >&2
    exit 1
  fi
fi
if ! imports; then
  echo "ensure-numpy: installed ${packages[*]}, but $python still cannot import ${modules[*]}" >&2
  exit 1
fi
exit 0
