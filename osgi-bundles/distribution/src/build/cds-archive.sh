#!/usr/bin/env bash
# Makes what bin/hv and bin/hvctl start from: lib/cli/classpath, their class path, and the class-data
# sharing archives lib/cli/hv.jsa, the classes `hv run` loads to boot a guest, and lib/cli/hvctl.jsa,
# those hvctl loads to parse a command and print its help, parsed, verified and laid out once here
# instead of at every start. The scripts use the archives when they are there and the class path
# matches; without them both still work, only start slower.
# Usage: cds-archive.sh DIST
set -euo pipefail
dist="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# picocli and ASM (which the translator uses to compile guest code) ship Java 5 class files, which
# an archive cannot hold and the JVM verifies the slow way at every start: rewrite them once as
# Java 8 class files with frames (RetargetClasses.java). If that fails the jar stays as it was and
# only start-up is slower. (Rewriting ASM's jar with ASM is safe: the new jar replaces it by rename.)
for jar in "$dist"/lib/cli/picocli-*.jar "$dist"/lib/cli/asm-[0-9]*.jar; do
  java -cp "$(ls "$dist"/lib/cli/asm-[0-9]*.jar)" "$here/RetargetClasses.java" "$jar" || true
done
# lib/cli/classpath: the jars of bin/hv's and bin/hvctl's class path, colon-separated, in a fixed
# (C) order. The scripts read it rather than list lib/cli at every start, and the archives are made
# with that class path, which the JVM requires to use them.
jars="$(cd "$dist/lib/cli" && LC_ALL=C && printf '%s:' *.jar)"
printf '%s\n' "${jars%:}" > "$dist/lib/cli/classpath"
cp=":${jars%:}"
cp="${cp//:/:$dist/lib/cli/}"
cp="${cp#:}"

# archive NAME WHAT JAVA-ARGS...: runs `java JAVA-ARGS` once to list the classes it loads, then
# writes them with the JDK's own into lib/cli/NAME.jsa. A static archive rather than one written at
# exit (-XX:ArchiveClassesAtExit): it is mapped as one piece, and it also holds the method-handle
# forms the run resolved (the class list's @lambda-form-invoker lines), which a dynamic archive
# cannot, so lambdas and var handles start without spinning classes.
archive() {
  local name="$1" what="$2"
  shift 2
  rm -f "$dist/lib/cli/$name.jsa"
  if ! java -XX:DumpLoadedClassList="$work/$name.classlist" -cp "$cp" "$@" > /dev/null; then
    echo "cds-archive: $what failed; no class-data archive for $name (it starts slower)" >&2
  elif ! java -Xshare:dump -XX:SharedClassListFile="$work/$name.classlist" \
      -XX:SharedArchiveFile="$dist/lib/cli/$name.jsa" -cp "$cp" > "$work/$name.dump.log" 2>&1; then
    echo "cds-archive: the JVM could not write $name.jsa (it starts slower):" >&2
    tail -5 "$work/$name.dump.log" >&2
    rm -f "$dist/lib/cli/$name.jsa"
  fi
}

# A short guest run to its end records what start-up loads (the hello guest prints and shuts down).
archive hv "the hello guest" io.hotvisor.runtime.cli.HvCommand run --timeout 60 "$dist/guests/hello.elf"
# hvctl: its option parsing and help (what every hvctl command goes through before it connects).
archive hvctl "hvctl --help" -XX:TieredStopAtLevel=1 -Dhotvisor.home="$dist" io.hotvisor.hvctl.Hvctl livepatch --help
