#!/usr/bin/env bash
# Runs the public RISC-V ISA tests (riscv-tests: rv64ui, rv64um, rv64ua, rv64uc, rv64si) as Hotvisor guests,
# on the interpreter and on the translator with every block translated at its first run, and, when
# QEMU is installed, on QEMU with OpenSBI for reference. Exit status 0 when every test passes on
# every engine, 1 when one fails (each failure is listed with the test number it reported), 2 when
# the tests or the tools are missing.
#
# Usage: run.sh [RISCV_TESTS_DIR]
#   RISCV_TESTS_DIR  a checkout of https://github.com/riscv-software-src/riscv-tests (its isa/
#                    folder is enough; the env submodule is not needed: riscv_test.h here replaces
#                    it). Without it, the pinned commit below is cloned into ~/.cache/hotvisor.
# Needs: the distribution built (mvn -B -q -DskipTests install) and the cross compiler
# (scripts/install-guest-toolchain.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
hv="$repo/osgi-bundles/distribution/target/hotvisor/bin/hv"
pinned=34e6b6d1e7936b526075432fb730d89148623484
suites=(rv64ui rv64um rv64ua rv64uc rv64si)
# Tests of virtual memory: Hotvisor's guests run with satp = 0 (no MMU), so these cannot apply.
not_applicable=" rv64si-dirty rv64si-icache-alias "

tests="${1:-}"
if [[ -z "$tests" ]]; then
  tests="${XDG_CACHE_HOME:-$HOME/.cache}/hotvisor/riscv-tests"
  if [[ ! -d "$tests/isa" ]]; then
    mkdir -p "$(dirname "$tests")"
    if ! git clone -q https://github.com/riscv-software-src/riscv-tests "$tests" 2>/dev/null \
        || ! git -C "$tests" checkout -q "$pinned"; then
      rm -rf "$tests"
      echo "isa-tests: cannot clone riscv-tests from GitHub; pass a checkout: $0 RISCV_TESTS_DIR" >&2
      exit 2
    fi
  fi
fi
[[ -d "$tests/isa/macros/scalar" ]] || { echo "isa-tests: $tests has no isa/macros/scalar: not a riscv-tests checkout" >&2; exit 2; }
[[ -x "$hv" ]] || { echo "isa-tests: $hv not built: run 'mvn -B -q -DskipTests install' in $repo" >&2; exit 2; }
command -v riscv64-unknown-elf-gcc > /dev/null \
  || { echo "isa-tests: no riscv64-unknown-elf-gcc: run scripts/install-guest-toolchain.sh" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
built=()
for suite in "${suites[@]}"; do
  for src in "$tests/isa/$suite"/*.S; do
    name="$suite-$(basename "$src" .S)"
    [[ "$not_applicable" == *" $name "* ]] && continue
    elf="$out/$name.elf"
    riscv64-unknown-elf-gcc -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -static -nostdlib \
      -nostartfiles -I"$here" -I"$tests/isa/macros/scalar" -T"$here/link.ld" "$src" -o "$elf"
    built+=("$elf")
  done
done

engines=("interpreter:--engine interpreter" "translator:--engine translator --translate-after 1")
command -v qemu-system-riscv64 > /dev/null && engines+=("qemu:")
failed=0
for entry in "${engines[@]}"; do
  name="${entry%%:*}"
  opts="${entry#*:}"
  passed=0
  for elf in "${built[@]}"; do
    if [[ "$name" == qemu ]]; then
      # OpenSBI's banner comes first; a failing test's own line is the last one.
      result="$(timeout 30 qemu-system-riscv64 -machine virt -nographic -bios default -kernel "$elf" 2>&1 | tail -1)"
      [[ "$result" != F\ * ]] && status=0 || status=1
    else
      # shellcheck disable=SC2086 # the engine's options are words
      result="$(timeout 30 "$hv" run --timeout 20 $opts "$elf" 2>&1)" && status=0 || status=$?
    fi
    if [[ $status == 0 ]]; then
      passed=$((passed + 1))
    else
      echo "FAIL $name $(basename "$elf" .elf): ${result//$'\n'/ }"
      failed=$((failed + 1))
    fi
  done
  echo "$name: $passed of ${#built[@]} passed"
done
exit $(( failed > 0 ))
