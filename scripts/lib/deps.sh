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

ensure_rstan() {
  # rstan from Debian, and the Boost headers where Debian's BH package (which ships none) is
  # looked in: BH/include -> /usr/include. Debian 12's rstan is Stan 2.21, whose parser predates
  # the `array[N] int` syntax of the trajectory model: that model is checked and sampled with
  # ensure_stan's PyStan instead.
  apt_install r-cran-rstan || return 1
  local bh
  bh=$(Rscript -e "cat(find.package('BH'))") || return 1
  if [ -d "$bh/include" ] && [ ! -L "$bh/include" ] && [ -z "$(ls -A "$bh/include")" ]; then
    rmdir "$bh/include" 2>/dev/null || sudo rmdir "$bh/include"
  fi
  if [ ! -e "$bh/include" ]; then
    ln -s /usr/include "$bh/include" 2>/dev/null || sudo ln -s /usr/include "$bh/include"
  fi
}

ensure_stan() {
  # PyStan 3.10.0 from PyPI (httpstan 4.13: Stan 2.35's stanc3 and math library) in .venv-stan,
  # with its Stan parser linked as .venv-stan/bin/stanc (the trajectory model's test runs it).
  # Sampling also compiles C++ (g++); scripts/peers/trajectory installs that itself.
  local venv
  venv="$(reconcile_root)/.venv-stan"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; } || return 1
  fi
  if ! "$venv/bin/python" -c "import stan" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check "pystan==3.10.0" >&2 \
      || { echo "error: pip install pystan failed" >&2; return 1; }
  fi
  if [ ! -x "$venv/bin/stanc" ]; then
    ln -sf "$("$venv/bin/python" -c 'import httpstan, pathlib; print(pathlib.Path(httpstan.__file__).parent / "stanc")')" \
      "$venv/bin/stanc"
  fi
}

# Run BLAS single-threaded: our problems are small and we parallelise ourselves.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
