#!/usr/bin/env bash
# Writes the distribution's build-info.json (see patch-format/README.md, "Build info"): every
# Hotvisor bundle of the host with the module whose sources it was compiled from, and each module's
# compile classpath, so that hvpatch build can reproduce the running classes exactly.
# Usage: build-info.sh DIST CLASSPATH REPO_ROOT
set -euo pipefail
dist="$1" cp="$2" repo="$3"
args=()
for jar in "$dist"/bundles/bundle-*.jar; do
  case "$(basename "$jar")" in
    bundle-patch-format-*) module=patch-format ;;
    bundle-microcode-*) module=microcode-late-load ;;
    bundle-livepatch-*) module=patch-applier ;;
    bundle-host-*) module=osgi-bundles/bundle-host ;;
    *) module=hv-runtime ;;
  esac
  args+=(--bundle "$module:$jar")
done
for module in host-api hv-runtime patch-format microcode-late-load patch-applier; do
  file="$repo/$module/target/classpath.txt"
  [[ -f "$file" ]] && args+=(--classpath "$module:@$file")
done
exec java -cp "$cp" io.hotvisor.patch.format.buildinfo.BuildInfoTool "${args[@]}" -o "$dist/build-info.json"
