package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.TestMachine.compute;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The M extension (RISC-V ISA manual, "M" chapter), including its table of division corner cases. */
class MulDivTest {
    private static final long MIN = Long.MIN_VALUE, MAX = Long.MAX_VALUE;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    @Test
    void divByZeroReturnsAllOnes() {
        assertEquals(-1L, compute(Asm::div, 7, 0));
        assertEquals(-1L, compute(Asm::div, -7, 0));
    }

    @Test
    void divuByZeroReturnsAllOnes() {
        assertEquals(-1L, compute(Asm::divu, 7, 0));
    }

    @Test
    void remByZeroReturnsTheDividend() {
        assertEquals(-7L, compute(Asm::rem, -7, 0));
    }

    @Test
    void remuByZeroReturnsTheDividend() {
        assertEquals(MIN, compute(Asm::remu, MIN, 0));
    }

    @Test
    void divOverflowReturnsTheDividendAndRemZero() {
        assertEquals(MIN, compute(Asm::div, MIN, -1));
        assertEquals(0L, compute(Asm::rem, MIN, -1));
    }

    @Test
    void divRoundsTowardZeroAndRemTakesTheDividendsSign() {
        assertEquals(-2L, compute(Asm::div, -7, 3));
        assertEquals(-1L, compute(Asm::rem, -7, 3));
        assertEquals(1L, compute(Asm::rem, 7, -3));
    }

    @Test
    void divuAndRemuTreatOperandsAsUnsigned() {
        assertEquals(Long.divideUnsigned(-7, 3), compute(Asm::divu, -7, 3));
        assertEquals(Long.remainderUnsigned(-7, 3), compute(Asm::remu, -7, 3));
    }

    @Test
    void divwUsesTheLow32BitsAndSignExtends() {
        assertEquals(-2L, compute(Asm::divw, 0x1_ffff_fff9L, 3)); // low word -7
        assertEquals(0xffff_ffff_c000_0000L, compute(Asm::divw, 0x8000_0000L, 2));
    }

    @Test
    void divwByZeroReturnsAllOnes() {
        assertEquals(-1L, compute(Asm::divw, 5, 0x1_0000_0000L)); // divisor's low word is zero
    }

    @Test
    void divwOverflowReturnsTheSignExtendedDividend() {
        assertEquals((long) Integer.MIN_VALUE, compute(Asm::divw, 0x8000_0000L, -1));
        assertEquals(0L, compute(Asm::remw, 0x8000_0000L, -1));
    }

    @Test
    void divuwByZeroReturnsAllOnes() {
        assertEquals(-1L, compute(Asm::divuw, 5, 0));
    }

    @Test
    void divuwSignExtendsAQuotientWithBit31Set() {
        assertEquals(0xffff_ffff_ffff_fffeL, compute(Asm::divuw, 0xffff_fffeL, 1));
        assertEquals(0x7fff_ffffL, compute(Asm::divuw, 0xffff_fffeL, 2));
    }

    @Test
    void remwByZeroReturnsTheSignExtendedDividend() {
        assertEquals(0xffff_ffff_8000_0001L, compute(Asm::remw, 0x1234_5678_8000_0001L, 0));
    }

    @Test
    void remuwByZeroReturnsTheSignExtendedDividend() {
        assertEquals(0xffff_ffff_8000_0001L, compute(Asm::remuw, 0x1234_5678_8000_0001L, 0));
    }

    @Test
    void remuwSignExtendsItsResult() {
        assertEquals(0xffff_ffff_8000_0000L, compute(Asm::remuw, 0x8000_0000L, 0x8000_0001L));
    }

    @Test
    void mulKeepsTheLow64Bits() {
        assertEquals(MAX * MAX, compute(Asm::mul, MAX, MAX));
        assertEquals(MIN, compute(Asm::mul, MIN, -1));
    }

    @Test
    void mulwSignExtendsTheLow32BitsOfTheProduct() {
        assertEquals(0xffff_ffff_8000_0000L, compute(Asm::mulw, 0x4000_0000L, 2));
        assertEquals(6L, compute(Asm::mulw, 0xffff_ffff_0000_0002L, 3)); // upper words ignored
    }

    private static final long[] EXTREMES = {0, 1, -1, 2, -2, MAX, MIN, MIN + 1, 0x1234_5678_9abc_def0L, 0xfedc_ba98_7654_3210L, 0xffff_ffffL};

    private static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v);
        return v < 0 ? b.add(TWO_64) : b;
    }

    /** Checks {@code op} against the high 64 bits of {@code product} for every pair of extreme values. */
    private static void assertHighHalf(TestMachine.RType op, BiFunction<Long, Long, BigInteger> product) {
        for (long a : EXTREMES) {
            for (long b : EXTREMES) {
                long expected = product.apply(a, b).shiftRight(64).longValue();
                assertEquals(expected, compute(op, a, b), () -> Long.toHexString(a) + " * " + Long.toHexString(b));
            }
        }
    }

    @Test
    void mulhIsTheHighHalfOfTheSignedProduct() {
        assertHighHalf(Asm::mulh, (a, b) -> BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)));
    }

    @Test
    void mulhsuIsTheHighHalfOfSignedTimesUnsigned() {
        assertHighHalf(Asm::mulhsu, (a, b) -> BigInteger.valueOf(a).multiply(unsigned(b)));
    }

    @Test
    void mulhuIsTheHighHalfOfTheUnsignedProduct() {
        assertHighHalf(Asm::mulhu, (a, b) -> unsigned(a).multiply(unsigned(b)));
    }
}
