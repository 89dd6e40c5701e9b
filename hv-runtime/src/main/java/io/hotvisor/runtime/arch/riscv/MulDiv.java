package io.hotvisor.runtime.arch.riscv;

/**
 * The M extension's operations that are not a single JVM instruction, and the set-less-than
 * comparisons: one definition shared by the interpreter and by translated blocks, which call these
 * methods (the JIT inlines them), so a live patch of an operation's semantics reaches both tiers.
 *
 * <p>Division by zero and signed overflow give the results the ISA manual defines (no trap).
 */
final class MulDiv {
    private MulDiv() {}

    static long mulh(long a, long b) { return Math.multiplyHigh(a, b); }

    static long mulhsu(long a, long b) { return Math.multiplyHigh(a, b) + ((b >> 63) & a); }

    static long mulhu(long a, long b) { return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a); }

    static long div(long a, long b) { return b == 0 ? -1 : (a == Long.MIN_VALUE && b == -1) ? a : a / b; }

    static long divu(long a, long b) { return b == 0 ? -1 : Long.divideUnsigned(a, b); }

    static long rem(long a, long b) { return b == 0 ? a : (a == Long.MIN_VALUE && b == -1) ? 0 : a % b; }

    static long remu(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }

    static long divw(long a, long b) {
        int p = (int) a, q = (int) b;
        return q == 0 ? -1 : (p == Integer.MIN_VALUE && q == -1) ? p : p / q;
    }

    static long divuw(long a, long b) {
        int q = (int) b;
        return q == 0 ? -1 : (int) Integer.divideUnsigned((int) a, q);
    }

    static long remw(long a, long b) {
        int p = (int) a, q = (int) b;
        return q == 0 ? p : (p == Integer.MIN_VALUE && q == -1) ? 0 : p % q;
    }

    static long remuw(long a, long b) {
        int q = (int) b;
        return q == 0 ? (int) a : (int) Integer.remainderUnsigned((int) a, q);
    }

    static long slt(long a, long b) { return a < b ? 1 : 0; }

    static long sltu(long a, long b) { return Long.compareUnsigned(a, b) < 0 ? 1 : 0; }
}
