package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Loads extend by their width and signedness; stores write exactly their width, little-endian. */
class LoadStoreTest {
    private static final long PATTERN = 0x8182_8384_f5f6_f7f8L;

    /** Runs {@code load a0, offset(a1)} with a1 = DATA and DATA holding {@link #PATTERN}. */
    private static long load(TestMachine.IType load, int offset) {
        Asm a = new Asm();
        load.emit(a, A0, A1, offset);
        TestMachine m = new TestMachine(a.ecall()).set(A1, DATA);
        m.memory.store64(DATA, PATTERN);
        return m.runToEcall().reg(A0);
    }

    @Test
    void lbSignExtends() {
        assertEquals(0xffff_ffff_ffff_fff8L, load(Asm::lb, 0));
    }

    @Test
    void lbuZeroExtends() {
        assertEquals(0xf8L, load(Asm::lbu, 0));
    }

    @Test
    void lhSignExtends() {
        assertEquals(0xffff_ffff_ffff_f7f8L, load(Asm::lh, 0));
    }

    @Test
    void lhuZeroExtends() {
        assertEquals(0x8384L, load(Asm::lhu, 4));
    }

    @Test
    void lwSignExtends() {
        assertEquals(0xffff_ffff_8182_8384L, load(Asm::lw, 4));
    }

    @Test
    void lwuZeroExtends() {
        assertEquals(0xf5f6_f7f8L, load(Asm::lwu, 0));
    }

    @Test
    void ldLoadsAll64Bits() {
        assertEquals(PATTERN, load(Asm::ld, 0));
    }

    @Test
    void loadsAddANegativeOffset() {
        Asm a = new Asm().lb(A0, A1, -1).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA + 8);
        m.memory.store64(DATA, PATTERN);
        assertEquals(0xffff_ffff_ffff_ff81L, m.runToEcall().reg(A0));
    }

    /** Runs {@code store a2, 1..(a1)} over a field of 0x55 bytes and returns the 16 bytes at DATA. */
    private static long[] storeOver(TestMachine.IType store, int offset) {
        Asm a = new Asm();
        store.emit(a, A2, A1, offset); // IType's (rd, rs1, imm) slots carry (rs2, rs1, imm) here
        TestMachine m = new TestMachine(a.ecall()).set(A1, DATA).set(A2, 0x1122_3344_5566_7788L);
        m.memory.store64(DATA, 0x5555_5555_5555_5555L);
        m.memory.store64(DATA + 8, 0x5555_5555_5555_5555L);
        m.runToEcall();
        return new long[] {m.memory.load64(DATA), m.memory.load64(DATA + 8)};
    }

    @Test
    void sbWritesOneByte() {
        assertEquals(0x5555_5555_5588_5555L, storeOver(Asm::sb, 2)[0]);
    }

    @Test
    void shWritesTwoBytes() {
        assertEquals(0x5555_5555_7788_5555L, storeOver(Asm::sh, 2)[0]);
    }

    @Test
    void swWritesFourBytes() {
        assertEquals(0x5566_7788_5555_5555L, storeOver(Asm::sw, 4)[0]);
    }

    @Test
    void sdWritesEightBytes() {
        long[] after = storeOver(Asm::sd, 8);
        assertEquals(0x5555_5555_5555_5555L, after[0]);
        assertEquals(0x1122_3344_5566_7788L, after[1]);
    }

    @Test
    void storedValueReadsBackThroughEachLoadWidth() {
        Asm a = new Asm().sd(A2, A1, 0).lw(A3, A1, 4).lhu(A4, A1, 6).lb(A5, A1, 7).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 0x8899_aabb_ccdd_eeffL).runToEcall();
        assertEquals(0xffff_ffff_8899_aabbL, m.reg(A3));
        assertEquals(0x8899L, m.reg(A4));
        assertEquals(0xffff_ffff_ffff_ff88L, m.reg(A5));
    }

    @Test
    void loadIntoX0IsDiscarded() {
        Asm a = new Asm().ld(ZERO, A1, 0).mv(A0, ZERO).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA);
        m.memory.store64(DATA, PATTERN);
        assertEquals(0L, m.runToEcall().reg(A0));
    }
}
