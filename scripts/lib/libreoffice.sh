#!/usr/bin/env bash
# libreoffice_utf8_default — prints the path of a LibreOffice `soffice` whose DEFAULT CSV import
# (no filter options) reads UTF-8 and skips a byte-order mark, for scripts/spreadsheet-check.
#
# LibreOffice before 24.2 opens a CSV given no filter options as Windows-1252 and keeps the BOM
# as "ï»¿" (measured with Debian 12's 7.4.7: "–" came back as "â€“"); from 24.2 that default is
# UTF-8 with the BOM honoured (sc/source/ui/docshell/docsh.cxx, "default for ascii import (from
# API without options): UTF-8 encoding"). A user opening the file in the program gets the Text
# Import dialog, which picks UTF-8 from the BOM in every version; a headless check has no dialog,
# so it needs a LibreOffice whose default is what a user gets.
#
# The system's soffice when it is 24.2 or later. Otherwise (Debian 12 ships 7.4) LibreOffice
# Calc from the release's backports suite, unpacked with apt-get download and dpkg -x into a
# cache folder (${XDG_CACHE_HOME:-$HOME/.cache}/reconcile/) — the system's packages, its apt
# sources and its LibreOffice are left as they are; the download (~72 MB) happens once per machine.
libreoffice_utf8_default() {
  local system version
  system=$(command -v soffice || true)
  if [ -n "$system" ]; then
    version=$(HOME="${TMPDIR:-/tmp}" "$system" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+' | head -n 1 || true)
    if [ -n "$version" ] && awk -v v="$version" 'BEGIN { split(v, a, "."); exit !(a[1] > 24 || (a[1] == 24 && a[2] >= 2)) }'; then
      echo "$system"
      return 0
    fi
  fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/reconcile/libreoffice-backports"
  local program="$cache/root/usr/lib/libreoffice/program"
  if [ ! -f "$cache/ready" ]; then
    # shellcheck disable=SC1091
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    if [ -z "$codename" ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "error: LibreOffice ${version:-(none)} reads a CSV as Windows-1252 by default and no Debian backports can be fetched here: install LibreOffice 24.2 or later" >&2
      return 1
    fi
    echo "fetching LibreOffice Calc from $codename-backports into $cache (the system's is ${version:-absent}; its default CSV import is not UTF-8)" >&2
    rm -rf "$cache"
    mkdir -p "$cache/lists/partial" "$cache/debs" "$cache/root"
    cat >"$cache/sources.list" <<EOF
deb http://deb.debian.org/debian $codename main
deb http://deb.debian.org/debian $codename-updates main
deb http://deb.debian.org/debian-security $codename-security main
deb http://deb.debian.org/debian $codename-backports main
EOF
    local opts=(-o "Dir::Etc::sourcelist=$cache/sources.list" -o "Dir::Etc::sourceparts=-"
      -o "Dir::State::Lists=$cache/lists" -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
    apt-get "${opts[@]}" update -qq >&2 || { echo "error: apt-get update of $codename-backports failed" >&2; return 1; }
    # What installing it would bring beside the system's packages: LibreOffice's own packages
    # at the backports version (Inst NAME [OLD] (NEW ...)).
    local wanted
    wanted=$(apt-get "${opts[@]}" -s install -t "$codename-backports" --no-install-recommends libreoffice-calc-nogui 2>/dev/null \
      | awk '/^Inst / { v = ($3 ~ /^\[/) ? $4 : $3; sub(/^\(/, "", v); print $2 "=" v }')
    [ -n "$wanted" ] || { echo "error: no libreoffice-calc-nogui in $codename-backports" >&2; return 1; }
    # shellcheck disable=SC2086
    (cd "$cache/debs" && apt-get "${opts[@]}" download $wanted >&2 2>/dev/null) \
      || { echo "error: apt-get download failed: $wanted" >&2; return 1; }
    local deb
    for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache/root"; done
    # Absolute links point into the private tree; main.xcd is what the package's postinst copies
    # to /etc; fundamentalrc names /usr/lib/libreoffice.
    local link target
    while IFS= read -r link; do
      target=$(readlink "$link")
      if [ -e "$cache/root$target" ]; then ln -sfn "$cache/root$target" "$link"; else rm -f "$link"; fi
    done < <(find "$cache/root" -type l -lname '/*')
    cp "$cache/root/usr/lib/libreoffice/share/.registry/main.xcd" "$cache/root/usr/lib/libreoffice/share/registry/main.xcd"
    sed -i "s#file:///usr/lib/libreoffice#file://$cache/root/usr/lib/libreoffice#g" "$program/fundamentalrc"
    # The program folder first: the UNO libraries find their unorc beside the file they load from.
    local multiarch
    multiarch=$(find "$cache/root/usr/lib" -maxdepth 1 -type d -name '*-linux-gnu*' | head -n 1)
    cat >"$cache/soffice" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$program:$multiarch\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$program/soffice" "\$@"
EOF
    chmod +x "$cache/soffice"
    rm -rf "$cache/debs" "$cache/lists"
    touch "$cache/ready"
  fi
  echo "$cache/soffice"
}
