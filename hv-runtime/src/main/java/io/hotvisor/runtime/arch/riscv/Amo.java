package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;

/** The A extension's read-modify-write operations, as compare-and-set loops on guest memory. */
final class Amo {
    private Amo() {}

    /** AMO*.W at {@code addr}: returns the old word, sign-extended. */
    static long amo32(GuestMemory mem, long addr, long operand, int funct5) {
        int b = (int) operand;
        while (true) {
            int old = (int) mem.loadAtomic32(addr);
            int v = switch (funct5) {
                case 0x01 -> b;
                case 0x00 -> old + b;
                case 0x04 -> old ^ b;
                case 0x0c -> old & b;
                case 0x08 -> old | b;
                case 0x10 -> Math.min(old, b);
                case 0x14 -> Math.max(old, b);
                case 0x18 -> Integer.compareUnsigned(old, b) <= 0 ? old : b;
                default -> Integer.compareUnsigned(old, b) >= 0 ? old : b;
            };
            if (mem.compareAndSet32(addr, old, v)) return old;
        }
    }

    /** AMO*.D at {@code addr}: returns the old doubleword. */
    static long amo64(GuestMemory mem, long addr, long b, int funct5) {
        while (true) {
            long old = mem.loadAtomic64(addr);
            long v = switch (funct5) {
                case 0x01 -> b;
                case 0x00 -> old + b;
                case 0x04 -> old ^ b;
                case 0x0c -> old & b;
                case 0x08 -> old | b;
                case 0x10 -> Math.min(old, b);
                case 0x14 -> Math.max(old, b);
                case 0x18 -> Long.compareUnsigned(old, b) <= 0 ? old : b;
                default -> Long.compareUnsigned(old, b) >= 0 ? old : b;
            };
            if (mem.compareAndSet64(addr, old, v)) return old;
        }
    }
}
