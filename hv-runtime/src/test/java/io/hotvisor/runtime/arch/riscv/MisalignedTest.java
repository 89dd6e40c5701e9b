package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Misaligned loads and stores complete, as OpenSBI completes them for S-mode software on QEMU's
 * virt machine, in every width and in their compressed forms; misaligned atomics still fault (the
 * A extension requires it), and a misaligned access past the end of RAM is an access fault.
 */
class MisalignedTest {
    /** Bytes 0x10, 0x11, ... from DATA on, so any window reads as a known little-endian value. */
    private static TestMachine withPattern(Asm program) {
        TestMachine m = new TestMachine(program);
        byte[] pattern = new byte[32];
        for (int i = 0; i < pattern.length; i++) pattern[i] = (byte) (0x80 + i * 3); // high bits set: sign extension shows
        m.memory.write(DATA, pattern, 0, pattern.length);
        return m;
    }

    /** The {@code width} pattern bytes at DATA + {@code offset}, little-endian, zero-extended. */
    private static long pattern(int offset, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = v << 8 | ((0x80 + (offset + i) * 3) & 0xff);
        return v;
    }

    private static long load(Consumer<Asm> body) {
        Asm a = new Asm();
        body.accept(a);
        return withPattern(a.ecall()).set(A1, DATA).set(SP, DATA).runToEcall().reg(A0);
    }

    @Test
    void lhAndLhuAtAnOddAddress() {
        assertEquals((short) pattern(1, 2), load(a -> a.lh(A0, A1, 1)));
        assertEquals(pattern(1, 2), load(a -> a.lhu(A0, A1, 1)));
    }

    @Test
    void lwAndLwuAtEveryMisalignment() {
        for (int off = 1; off < 4; off++) {
            int o = off;
            assertEquals((int) pattern(o, 4), load(a -> a.lw(A0, A1, o)), "lw +" + o);
            assertEquals(pattern(o, 4), load(a -> a.lwu(A0, A1, o)), "lwu +" + o);
        }
    }

    @Test
    void ldAtEveryMisalignment() {
        for (int off = 1; off < 8; off++) {
            int o = off;
            assertEquals(pattern(o, 8), load(a -> a.ld(A0, A1, o)), "ld +" + o);
        }
    }

    @Test
    void compressedLoadsAtMisalignedBases() {
        assertEquals((int) pattern(6, 4), load(a -> a.addi(A1, A1, 2).cLw(A0, A1, 4)));
        assertEquals(pattern(5, 8), load(a -> a.addi(A1, A1, -3).cLd(A0, A1, 8)));
        assertEquals((int) pattern(7, 4), load(a -> a.addi(SP, SP, 3).cLwsp(A0, 4)));
        assertEquals(pattern(9, 8), load(a -> a.addi(SP, SP, 1).cLdsp(A0, 8)));
    }

    /** Runs {@code body} with a0 = {@code value}, a1 = DATA, sp = DATA and returns the 16 bytes at DATA as two longs. */
    private static long[] store(long value, Consumer<Asm> body) {
        Asm a = new Asm();
        body.accept(a);
        TestMachine m = new TestMachine(a.ecall()).set(A0, value).set(A1, DATA).set(SP, DATA).runToEcall();
        return new long[] {m.memory.load64(DATA), m.memory.load64(DATA + 8)};
    }

    @Test
    void shSwSdAtOddAddresses() {
        assertEquals(0xbbaa_00L, store(0xbbaa, a -> a.sh(A0, A1, 1))[0]);
        assertEquals(0x4433_2211_0000_00L, store(0x4433_2211L, a -> a.sw(A0, A1, 3))[0]);
        long[] sd = store(0x8877_6655_4433_2211L, a -> a.sd(A0, A1, 5));
        assertEquals(0x3322_1100_0000_0000L, sd[0]);
        assertEquals(0x0000_0088_7766_5544L, sd[1]);
    }

    @Test
    void compressedStoresAtMisalignedBases() {
        assertEquals(0x4433_2211_0000L, store(0x4433_2211L, a -> a.addi(A1, A1, 2).cSw(A0, A1, 0))[0]);
        long[] sd = store(0x8877_6655_4433_2211L, a -> a.addi(A1, A1, 1).cSd(A0, A1, 8));
        assertEquals(0x7766_5544_3322_1100L, sd[1]);
        assertEquals(0x4433_2211_0000_00L, store(0x4433_2211L, a -> a.addi(SP, SP, 3).cSwsp(A0, 0))[0]);
        assertEquals(0x7766_5544_3322_1100L, store(0x8877_6655_4433_2211L, a -> a.addi(SP, SP, 1).cSdsp(A0, 8))[1]);
    }

    @Test
    void aStoreAcrossAPageBoundaryWritesBothPages() {
        long boundary = DATA + 0x1000;
        TestMachine m = new TestMachine(new Asm().sd(A0, A1, -3).ld(A2, A1, -3).ecall())
                .set(A0, 0x0102_0304_0506_0708L).set(A1, boundary).runToEcall();
        assertEquals(0x0102_0304_0506_0708L, m.reg(A2));
        assertEquals(0x0102_0304_05L, m.memory.load64(boundary) & 0xff_ffff_ffffL);
    }

    @Test
    void aMisalignedLoadRunningPastTheEndOfRamIsAnAccessFault() {
        Asm a = withTrapHandler().lw(A0, A1, 0).ecall();
        TestMachine m = new TestMachine(trapHandler(a)).set(A1, RAM_END - 2).runToEcall();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, m.reg(SCAUSE));
        assertEquals(RAM_END - 2, m.reg(STVAL));
    }

    @Test
    void misalignedScStillFaults() {
        Asm a = withTrapHandler().scW(A0, A2, A1).ecall();
        TestMachine m = new TestMachine(trapHandler(a)).set(A1, DATA + 1).runToEcall();
        assertEquals(Csr.CAUSE_STORE_MISALIGNED, m.reg(SCAUSE));
        assertEquals(DATA + 1, m.reg(STVAL));
    }
}
