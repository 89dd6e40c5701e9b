#!/usr/bin/env bash
# Wall time of `hvpatch build` for a one-method fix in hv-runtime, beside a full
# `mvn -o -q clean package -DskipTests` of hv-runtime at both revisions, in one run.
#   mvn -B -q -ntp -pl patch-format,patch-builder -am -DskipTests install   (once)
#   bash patch-builder/src/bench/bench-build.sh
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

git checkout -q "$base"
t0=$(now); mvn -B -q -o -ntp -pl hv-runtime clean package -DskipTests; t1=$(now)
mvn_base=$(secs "$t0" "$t1")
java -cp "$root/patch-builder/target/patch-builder-0.1.0-SNAPSHOT.jar:$root/patch-builder/target/lib/*" \
  io.hotvisor.patch.format.buildinfo.BuildInfoTool \
  --bundle "hv-runtime:hv-runtime/target/hv-runtime-0.1.0-SNAPSHOT.jar:io.hotvisor.runtime:0.1.0" \
  --classpath "hv-runtime:$(ls hv-runtime/target/lib/*.jar | tr '\n' ':')" -o "$work/build-info.json"
git checkout -q "$head"
t0=$(now); mvn -B -q -o -ntp -pl hv-runtime clean package -DskipTests; t1=$(now)
mvn_head=$(secs "$t0" "$t1")

"$root/bin/hvpatch" keygen --out "$work/keys" --name bench >/dev/null
run() {
  "$root/bin/hvpatch" build --repo "$work/repo" --base "$base" --head "$head" --name bench-fix \
    --key "$work/keys/bench.key" -o "$work/$1.hvp" --target "$work/build-info.json" --cache "$work/cache" --quiet >/dev/null
}
t0=$(now); run cold; t1=$(now); cold=$(secs "$t0" "$t1")
t0=$(now); run warm; t1=$(now); warm=$(secs "$t0" "$t1")
cmp -s "$work/cold.hvp" "$work/warm.hvp" && same=identical || same=DIFFERENT
"$root/bin/hvpatch" verify "$work/warm.hvp" --trust "$work/keys" >/dev/null && verified=yes || verified=NO

mvn_total=$(awk -v a="$mvn_base" -v b="$mvn_head" 'BEGIN { printf "%.2f", a + b }')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mvn -o -q clean package -DskipTests -pl hv-runtime: base ${mvn_base} s, head ${mvn_head} s, both ${mvn_total} s"
echo "hvpatch build (cold cache: compiles base and head): ${cold} s  ($(awk -v a="$mvn_total" -v b="$cold" 'BEGIN { printf "%.1f", a / b }')x faster)"
echo "hvpatch build (warm cache: base from cache):        ${warm} s  ($(awk -v a="$mvn_total" -v b="$warm" 'BEGIN { printf "%.1f", a / b }')x faster)"
echo "payloads of both runs: $same; hvpatch verify: $verified"
