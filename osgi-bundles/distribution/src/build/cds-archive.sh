#!/usr/bin/env bash
# Makes the distribution's class-data sharing archives: lib/cli/hv.jsa, the classes `hv run` loads
# to boot a guest, and lib/cli/hvctl.jsa, those hvctl loads to parse a command and print its help,
# parsed and laid out once here instead of at every start. bin/hv and bin/hvctl use them when they
# are there and the class path matches; without them both still work, only start slower.
# Usage: cds-archive.sh DIST
set -euo pipefail
dist="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# picocli and ASM (which the translator uses to compile guest code) ship Java 5 class files, which
# an archive cannot hold and the JVM verifies the slow way at every start: rewrite them once as
# Java 8 class files with frames (RetargetClasses.java). If that fails the jar stays as it was and
# only start-up is slower. (Rewriting ASM's jar with ASM is safe: the new jar replaces it by rename.)
for jar in "$dist"/lib/cli/picocli-*.jar "$dist"/lib/cli/asm-[0-9]*.jar; do
  java -cp "$(ls "$dist"/lib/cli/asm-[0-9]*.jar)" "$here/RetargetClasses.java" "$jar" || true
done
cp="$(LC_ALL=C; printf '%s:' "$dist"/lib/cli/*.jar)"
rm -f "$dist/lib/cli/hv.jsa" "$dist/lib/cli/hvctl.jsa"
# A short guest run to its end records what start-up loads (the hello guest prints and shuts down).
if ! java -XX:-DontCompileHugeMethods -XX:ArchiveClassesAtExit="$dist/lib/cli/hv.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
    -cp "${cp%:}" io.hotvisor.runtime.cli.HvCommand run --timeout 60 "$dist/guests/hello.elf" > /dev/null; then
  echo "cds-archive: the hello guest did not run; no class-data archive (hv run starts slower)" >&2
  rm -f "$dist/lib/cli/hv.jsa"
fi
# hvctl: its option parsing and help (what every hvctl command goes through before it connects).
if ! java -XX:ArchiveClassesAtExit="$dist/lib/cli/hvctl.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -XX:TieredStopAtLevel=1 \
    -Dhotvisor.home="$dist" -cp "${cp%:}" io.hotvisor.hvctl.Hvctl livepatch --help > /dev/null; then
  echo "cds-archive: hvctl --help failed; no class-data archive for hvctl (it starts slower)" >&2
  rm -f "$dist/lib/cli/hvctl.jsa"
fi
