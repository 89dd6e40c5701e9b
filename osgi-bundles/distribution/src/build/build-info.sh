#!/usr/bin/env bash
# Writes the distribution's build-info.json (see patch-format/README.md, "Build info"): every
# Hotvisor bundle of the host with the module whose sources it was compiled from, and the compile
# classpath of every module whose classes run in the host (a bundle's own activator module too), so
# that hvpatch build can reproduce the running classes exactly.
# Usage: build-info.sh DIST CLASSPATH REPO_ROOT
set -euo pipefail
dist="$1" cp="$2" repo="$(cd "$3" && pwd)"
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
# Every module that compiles classes a bundle carries. The reactor's own outputs (jars or class
# folders of this repository's modules, or their installed copies under io/hotvisor/) are left out:
# hvpatch build compiles those modules from the same revision instead.
for module in host-api hv-runtime patch-format microcode-late-load patch-applier \
    osgi-bundles/bundle-host osgi-bundles/bundle-livepatch osgi-bundles/bundle-microcode; do
  file="$repo/$module/target/classpath.txt"
  if [[ ! -f "$file" ]]; then
    echo "build-info: error: $file is missing; build $module first (mvn -B -q -DskipTests install)" >&2
    exit 2
  fi
  paths=()
  IFS=: read -r -a entries < <(tr -d "\n" < "$file"; echo)
  for entry in "${entries[@]}"; do
    case "$entry" in
      "$repo"/*|*/io/hotvisor/*|"") ;;
      *) paths+=("$entry") ;;
    esac
  done
  args+=(--classpath "$module:$(IFS=:; echo "${paths[*]}")")
done
exec java -cp "$cp" io.hotvisor.patch.format.buildinfo.BuildInfoTool "${args[@]}" -o "$dist/build-info.json"
