#!/usr/bin/env bash
# Wall time of `hvpatch build` for a one-method fix in hv-runtime, beside a full
# `mvn -o -q clean package -DskipTests` of hv-runtime at both revisions, in one run.
#   mvn -B -q -ntp -DskipTests install   (once: the distribution's build-info.json is the target)
#   bash patch-builder/src/bench/bench-build.sh [BASELINE_DIR]
# BASELINE_DIR (optional): another build of patch-builder (its patch-builder-0.1.0-SNAPSHOT.jar and
# lib/, e.g. copied from the main branch's patch-builder/target) timed in the same run on the same
# fix and target, so the ratio of the two warm-cache times does not depend on the machine's load.
# The target is the distribution's build-info.json when it describes HEAD (the whole host: every
# module is compiled and checked), else a build-info of hv-runtime alone made here.
# Works in a temporary clone of this repository's HEAD: nothing here is modified.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

git clone -q "$root" "$work/repo"
cd "$work/repo"
base="$(git rev-parse HEAD)"
f=hv-runtime/src/main/java/io/hotvisor/runtime/console/ConsoleRing.java
perl -0pi -e 's/(public void write\(int b\) \{\n)/$1        java.util.Objects.requireNonNull(this);\n/' "$f"
git -c user.name=bench -c user.email=bench@example.org commit -qam "one-method fix"
head="$(git rev-parse HEAD)"

baseline="${1:-}"
git checkout -q "$base"
t0=$(now); mvn -B -q -o -ntp -pl hv-runtime clean package -DskipTests; t1=$(now)
mvn_base=$(secs "$t0" "$t1")
dist_info="$root/osgi-bundles/distribution/target/hotvisor/build-info.json"
if [[ -f "$dist_info" && -z "$(git -C "$root" status --porcelain -- '*/src/main/java')" ]]; then
  mkdir -p "$work/target" && cp "$dist_info" "$work/target/build-info.json"
  target="$work/target/build-info.json"; what="the distribution's build-info (whole host)"
else
  java -cp "$root/patch-builder/target/patch-builder-0.1.0-SNAPSHOT.jar:$root/patch-builder/target/lib/*" \
    io.hotvisor.patch.format.buildinfo.BuildInfoTool \
    --bundle "hv-runtime:hv-runtime/target/hv-runtime-0.1.0-SNAPSHOT.jar:io.hotvisor.runtime:0.1.0" \
    --classpath "hv-runtime:$(ls hv-runtime/target/lib/*.jar | tr '\n' ':')" -o "$work/build-info.json"
  target="$work/build-info.json"; what="a build-info of hv-runtime alone"
fi
git checkout -q "$head"
t0=$(now); mvn -B -q -o -ntp -pl hv-runtime clean package -DskipTests; t1=$(now)
mvn_head=$(secs "$t0" "$t1")

"$root/bin/hvpatch" keygen --out "$work/keys" --name bench >/dev/null
# run NAME CLASSPATH CACHE
run() {
  java -cp "$2" io.hotvisor.patch.builder.cli.HvpatchMain build --repo "$work/repo" --base "$base" --head "$head" \
    --name bench-fix --key "$work/keys/bench.key" -o "$work/$1.hvp" --target "$target" --cache "$3" \
    --maven-repo "${MAVEN_REPO:-$HOME/.m2/repository}" --quiet >/dev/null
}
ours="$root/patch-builder/target/patch-builder-0.1.0-SNAPSHOT.jar:$root/patch-builder/target/lib/*"
t0=$(now); run cold "$ours" "$work/cache"; t1=$(now); cold=$(secs "$t0" "$t1")
t0=$(now); run warm "$ours" "$work/cache"; t1=$(now); warm=$(secs "$t0" "$t1")
if [[ -n "$baseline" ]]; then
  # Three warm runs of each, interleaved, medians compared: a load spike hits both alike.
  theirs="$baseline/patch-builder-0.1.0-SNAPSHOT.jar:$baseline/lib/*"
  run baseline-cold "$theirs" "$work/baseline-cache"
  ours_t=() theirs_t=()
  for i in 1 2 3; do
    t0=$(now); run warm "$ours" "$work/cache"; t1=$(now); ours_t+=("$(secs "$t0" "$t1")")
    t0=$(now); run baseline-warm "$theirs" "$work/baseline-cache"; t1=$(now); theirs_t+=("$(secs "$t0" "$t1")")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
  warm=$(median "${ours_t[@]}"); bwarm=$(median "${theirs_t[@]}")
fi
cmp -s "$work/cold.hvp" "$work/warm.hvp" && same=identical || same=DIFFERENT
"$root/bin/hvpatch" verify "$work/warm.hvp" --trust "$work/keys" >/dev/null && verified=yes || verified=NO

mvn_total=$(awk -v a="$mvn_base" -v b="$mvn_head" 'BEGIN { printf "%.2f", a + b }')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mvn -o -q clean package -DskipTests -pl hv-runtime: base ${mvn_base} s, head ${mvn_head} s, both ${mvn_total} s"
echo "hvpatch build (cold cache: compiles base and head): ${cold} s  ($(awk -v a="$mvn_total" -v b="$cold" 'BEGIN { printf "%.1f", a / b }')x faster)"
echo "hvpatch build (warm cache: base from cache${baseline:+, median of 3}): ${warm} s  ($(awk -v a="$mvn_total" -v b="$warm" 'BEGIN { printf "%.1f", a / b }')x faster)"
echo "payloads of both runs: $same; hvpatch verify: $verified; target: $what"
if [[ -n "$baseline" ]]; then
  echo "baseline hvpatch build (warm cache, median of 3), same fix and target: ${bwarm} s; this one takes $(awk -v a="$warm" -v b="$bwarm" 'BEGIN { printf "%.2f", a / b }')x its time"
fi
