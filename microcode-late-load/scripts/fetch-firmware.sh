#!/usr/bin/env bash
# Fetches Debian bookworm's intel-microcode, amd64-microcode and iucode-tool packages and
# unpacks them into a cache directory, for the real-file tests of microcode-late-load.
#
# The machine's own apt setup is only read (to learn which Debian mirror it already uses),
# never changed: apt runs with a private sources list, state and cache under the cache
# directory. Nothing here needs root except that, as root, apt would otherwise drop to the
# _apt user, which cannot write into a private directory under $HOME.
#
# Usage: fetch-firmware.sh [CACHE_DIR]
#   CACHE_DIR defaults to $HOTVISOR_FIRMWARE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/hotvisor/firmware.
# Output (stdout, one per line, stable for scripts and tests):
#   <package>=<directory it was unpacked into>
# Exit status: 0 when all three are unpacked, 1 on any failure (reason on stderr).
set -euo pipefail

PACKAGES=(intel-microcode amd64-microcode iucode-tool)
SUITE=bookworm
COMPONENTS="main non-free-firmware"

cache="${1:-${HOTVISOR_FIRMWARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotvisor/firmware}}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

die() { echo "fetch-firmware: $*" >&2; exit 1; }

all_unpacked() {
  local p
  for p in "${PACKAGES[@]}"; do
    [[ -f "$cache/$p/.unpacked" ]] || return 1
  done
}

report() {
  local p
  for p in "${PACKAGES[@]}"; do
    echo "$p=$cache/$p"
  done
}

# Idempotent: a package unpacked earlier is not fetched again.
if all_unpacked; then
  report
  exit 0
fi

# The first Debian archive URI (not the security archive) of an active stanza or line in the
# machine's apt sources. Both formats are read: one-line "deb URI suite comp..." and deb822
# ".sources" stanzas. Disabled files (any other suffix) are ignored, as apt ignores them.
find_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" {
           i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
           if ($(i) ~ /\/debian\/?$/) { sub(/\/$/, "", $(i)); print $(i); exit }
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         {
           enabled = 1; types = ""; uris = ""
           for (k = 1; k <= NF; k++) {
             line = $k
             if (line ~ /^#/) continue
             if (line ~ /^Enabled:[ \t]*no/) enabled = 0
             if (line ~ /^Types:/) types = line
             if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); uris = line }
           }
           if (!enabled || types !~ /(^|[ \t])deb([ \t]|$)/) next
           n = split(uris, u, /[ \t]+/)
           for (j = 1; j <= n; j++)
             if (u[j] ~ /\/debian\/?$/) { sub(/\/$/, "", u[j]); print u[j]; exit }
         }' "$f"
  done
}

mirror="$(find_mirror | head -n 1)"
[[ -n "$mirror" ]] || die "no Debian archive found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.{list,sources}"
command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg >/dev/null || die "dpkg not found"

apt_dir="$cache/.apt"
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
: > "$apt_dir/state/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r "$keyring" ]] || die "$keyring not readable (package debian-archive-keyring)"
echo "deb [signed-by=$keyring] $mirror $SUITE $COMPONENTS" > "$apt_dir/sources.list"

apt_opts=(
  -o "Dir::State=$apt_dir/state"
  -o "Dir::State::status=$apt_dir/state/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=/dev/null"
  -o "APT::Get::List-Cleanup=false"
  -o "Acquire::Retries=2"
  -o "Acquire::http::Timeout=30"
)
if [[ "$(id -u)" == 0 ]]; then
  apt_opts+=(-o "APT::Sandbox::User=root")
fi

echo "fetch-firmware: apt-get update from $mirror $SUITE ($COMPONENTS)" >&2
apt-get -q "${apt_opts[@]}" update >&2 || die "apt-get update failed (no network or mirror unreachable)"

for p in "${PACKAGES[@]}"; do
  [[ -f "$cache/$p/.unpacked" ]] && continue
  rm -f "$apt_dir/debs/${p}_"*.deb
  (cd "$apt_dir/debs" && apt-get -q "${apt_opts[@]}" download "$p" >&2) || die "apt-get download $p failed"
  deb="$(ls "$apt_dir/debs/${p}_"*.deb | head -n 1)"
  rm -rf "$cache/$p"
  dpkg -x "$deb" "$cache/$p" || die "dpkg -x $deb failed"
  basename "$deb" > "$cache/$p/.unpacked"
  echo "fetch-firmware: unpacked $(basename "$deb") into $cache/$p" >&2
done

report
