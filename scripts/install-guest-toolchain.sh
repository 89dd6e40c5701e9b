#!/usr/bin/env bash
# Installs the cross toolchain used to build Hotvisor's sample guests
# (hv-runtime/guests) and, for scripts/qemu-parity.sh, QEMU and OpenSBI; with
# --ansible-only, Ansible for the fleet rollout collection (deploy/ansible).
# Idempotent: packages already installed are left alone; if nothing is
# missing it does not touch apt at all.
#
# Usage: scripts/install-guest-toolchain.sh              (as root, or with sudo available)
#        scripts/install-guest-toolchain.sh --no-qemu    (only the compiler and picolibc)
#        scripts/install-guest-toolchain.sh --qemu-only  (only QEMU and OpenSBI: what the
#                                                         differential tests need; CI runs this)
#        scripts/install-guest-toolchain.sh --ansible-only
#                                     (only ansible-core: ansible-playbook and ansible for
#                                      deploy/ansible and tests' FleetRolloutTest; CI runs this)
set -euo pipefail

case "${1:-}" in
    --no-qemu) packages=(gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf binutils-riscv64-unknown-elf) ;;
    --qemu-only) packages=(qemu-system-misc opensbi) ;;
    # ansible-core alone brings ansible-playbook and ansible (ad hoc); the collection needs
    # nothing from Debian's much larger 'ansible' package of community collections.
    --ansible-only) packages=(ansible-core) ;;
    "") packages=(gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf binutils-riscv64-unknown-elf qemu-system-misc opensbi) ;;
    *) echo "install-guest-toolchain: unknown option '$1' (use --no-qemu, --qemu-only or --ansible-only)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-guest-toolchain: all packages already installed (${packages[*]})"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-guest-toolchain: missing packages: ${missing[*]}" >&2
    echo "install-guest-toolchain: run this script as root (or install sudo) to install them" >&2
    exit 1
fi

if [[ " ${missing[*]} " == *" picolibc-riscv64-unknown-elf "* ]]; then
    echo "install-guest-toolchain: installing ${missing[*]} (picolibc is large; this may take several minutes)"
else
    echo "install-guest-toolchain: installing ${missing[*]}"
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-guest-toolchain: done"
