#!/usr/bin/env bash
# Shared by scripts/run and scripts/test: install what is missing, idempotently.
# Debian packages go through apt-get (via sudo when not root), after one apt-get update.

reconcile_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

_apt_updated=0
apt_install() {
  # apt_install PKG... — installs the packages that dpkg does not report as installed.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: need root or sudo to install: ${missing[*]}" >&2; return 1
    fi
  fi
  echo "installing: ${missing[*]}" >&2
  if [ "$_apt_updated" -eq 0 ]; then
    $sudo apt-get update -qq >&2 || { echo "error: apt-get update failed" >&2; return 1; }
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { echo "error: apt-get install ${missing[*]} failed" >&2; return 1; }
}

ensure_lapack() { apt_install liblapack-dev libopenblas-dev liblapacke-dev; }

ensure_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH";
    elif [ -x /opt/swift/bin/swift ]; then export PATH="/opt/swift/bin:$PATH";
    else echo "error: swift not found (expected on PATH or in /opt/swift)" >&2; return 1; fi
  fi
}

# Run BLAS single-threaded: our problems are small and we parallelise ourselves.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
