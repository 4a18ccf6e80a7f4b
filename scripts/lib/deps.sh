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
  # swift on PATH, else in SWIFT_ROOT (the toolchain's install folder, holding usr/bin/swift or
  # bin/swift), else in the folder the project's `.swift-root` file names (the one place the
  # machines' install location is written; the scripts themselves assume none).
  command -v swift >/dev/null 2>&1 && return 0
  if [ -z "${SWIFT_ROOT:-}" ] && [ -f "$(reconcile_root)/.swift-root" ]; then
    SWIFT_ROOT=$(head -n 1 "$(reconcile_root)/.swift-root")
  fi
  if [ -n "${SWIFT_ROOT:-}" ]; then
    for bin in "$SWIFT_ROOT/usr/bin" "$SWIFT_ROOT/bin"; do
      if [ -x "$bin/swift" ]; then export PATH="$bin:$PATH"; return 0; fi
    done
    echo "error: SWIFT_ROOT=$SWIFT_ROOT holds no usr/bin/swift or bin/swift" >&2; return 1
  fi
  echo "error: swift not found: put it on PATH or set SWIFT_ROOT to its install folder" >&2; return 1
}

# Run BLAS single-threaded: our problems are small and we parallelise ourselves.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
