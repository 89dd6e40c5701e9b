#!/usr/bin/env bash
# QEMU parity check for Hotvisor's sample guests.
#
# Runs every guest that uses only standard SBI calls on QEMU's virt machine
# with OpenSBI (qemu-system-riscv64 -machine virt -nographic -bios default
# -kernel GUEST.elf), strips OpenSBI's boot banner and the carriage returns
# OpenSBI adds before each newline, and compares what the guest printed with
# hv-runtime/guests/bin/GUEST.expected byte for byte. The .expected files are
# the contract that `hv run GUEST.elf` is tested against too.
#
# Usage: scripts/qemu-parity.sh [GUEST...]      (default: all QEMU-runnable guests)
# Env:   QEMU (default qemu-system-riscv64), QEMU_TIMEOUT seconds (default 120)
# Exit:  0 all match (or QEMU not installed: skipped, with a message);
#        1 a guest's output differs, it timed out or QEMU failed; 2 usage error.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/hv-runtime/guests/bin"
qemu=${QEMU:-qemu-system-riscv64}
limit=${QEMU_TIMEOUT:-120}

# Guests that use only standard SBI extensions (ping/pong need Hotvisor's
# event channels; fault is expected to crash its domain, which QEMU does not).
guests=(hello sha256 primes counter traps)
if [[ $# -gt 0 ]]; then guests=("$@"); fi

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "qemu-parity: SKIPPED: $qemu is not installed (run scripts/install-guest-toolchain.sh)"
    exit 0
fi

# Prints the guest's output: everything after OpenSBI's banner, whose last
# lines are "Boot HART ...: ..." lines, with '\r' removed. Fails if no banner.
strip_banner() {
    tr -d '\r' | awk '
        { line[NR] = $0 }
        /^OpenSBI v[0-9]/ { seen = 1 }
        seen && /^Boot HART [^:]*:/ { last = NR }
        END {
            if (!last) { print "qemu-parity: no OpenSBI banner found" > "/dev/stderr"; exit 1 }
            for (i = last + 1; i <= NR; i++) print line[i]
        }'
}

failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for g in "${guests[@]}"; do
    elf="$bin/$g.elf"
    expected="$bin/$g.expected"
    if [[ ! -f "$elf" || ! -f "$expected" ]]; then
        echo "qemu-parity: $g: missing $elf or $expected" >&2
        exit 2
    fi
    timeout "$limit" "$qemu" -machine virt -nographic -bios default -kernel "$elf" \
        </dev/null >"$work/$g.raw" 2>"$work/$g.err"
    status=$?
    if [[ $status -eq 124 ]]; then
        echo "FAIL $g: QEMU did not exit within ${limit}s (the guest never shut down through SBI SRST)"
        failed=1
    elif [[ $status -ne 0 ]]; then
        echo "FAIL $g: QEMU exited with status $status: $(head -c 500 "$work/$g.err")"
        failed=1
    fi
    if ! strip_banner <"$work/$g.raw" >"$work/$g.out"; then
        echo "FAIL $g: could not find OpenSBI's banner in QEMU's output:"
        head -c 2000 "$work/$g.raw" | sed 's/^/    /'
        failed=1
        continue
    fi
    if cmp -s "$expected" "$work/$g.out"; then
        [[ $status -eq 0 ]] && echo "PASS $g ($(wc -l <"$expected") lines)"
    else
        echo "FAIL $g: output differs from ${expected#"$root"/} (--- expected, +++ QEMU):"
        diff -u --label "expected/$g" --label "qemu/$g" "$expected" "$work/$g.out" | sed 's/^/    /'
        failed=1
    fi
done

if [[ $failed -ne 0 ]]; then
    echo "qemu-parity: FAILED"
    exit 1
fi
echo "qemu-parity: all ${#guests[@]} guests match their .expected output"
