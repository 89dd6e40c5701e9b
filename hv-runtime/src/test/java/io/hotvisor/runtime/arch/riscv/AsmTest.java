package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins the test assembler to a real one, so the interpreter tests do not merely check that
 * {@link Asm} and {@link Decoder} share a misreading of the manual. Expected words are LLVM's
 * ({@code llvm-mc -triple=riscv64 -mattr=+m,+a,+c -show-encoding}), one per instruction format.
 */
class AsmTest {
    private static int word(Asm a, int at) {
        byte[] b = a.bytes();
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static int half(Asm a, int at) {
        byte[] b = a.bytes();
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    @Test
    void baseFormatsMatchLlvm() {
        assertEquals(0x00b51463, word(new Asm().bne(A0, A1, "t").nop().label("t"), 0), "bne a0, a1, 8");
        assertEquals(0xfef56ae3, word(new Asm().label("t").nop().nop().nop().bltu(A0, A5, "t"), 12), "bltu a0, a5, -12");
        assertEquals(0xff1ff0ef, word(new Asm().label("t").nop().nop().nop().nop().jal(RA, "t"), 16), "jal ra, -16");
        assertEquals(0x80a5b023, word(new Asm().sd(A0, A1, -2048), 0), "sd a0, -2048(a1)");
        assertEquals(0x43f5d513, word(new Asm().srai(A0, A1, 63), 0), "srai a0, a1, 63");
        assertEquals(0x41f5d51b, word(new Asm().sraiw(A0, A1, 31), 0), "sraiw a0, a1, 31");
        assertEquals(0x02c5a533, word(new Asm().mulhsu(A0, A1, A2), 0), "mulhsu a0, a1, a2");
        assertEquals(0x02c5f53b, word(new Asm().remuw(A0, A1, A2), 0), "remuw a0, a1, a2");
        assertEquals(0xe0c5a52f, word(new Asm().amoW(AMOMAXU, A0, A2, A1), 0), "amomaxu.w a0, a2, (a1)");
        assertEquals(0x18c5b52f, word(new Asm().scD(A0, A2, A1), 0), "sc.d a0, a2, (a1)");
        assertEquals(0x140fd573, word(new Asm().csrrwi(A0, Csr.SSCRATCH, 31), 0), "csrrwi a0, sscratch, 31");
        assertEquals(0xfffe0337, word(new Asm().lui(T1, 0xfffe0), 0), "lui t1, 0xfffe0");
    }

    @Test
    void compressedFormatsMatchLlvm() {
        assertEquals(0x7101, half(new Asm().cAddi16sp(-512), 0), "c.addi16sp sp, -512");
        assertEquals(0x1fe8, half(new Asm().cAddi4spn(A0, 1020), 0), "c.addi4spn a0, sp, 1020");
        assertEquals(0x43c0, half(new Asm().cLw(S0, A5, 4), 0), "c.lw s0, 4(a5)");
        assertEquals(0xe1c8, half(new Asm().cSd(A0, A1, 128), 0), "c.sd a0, 128(a1)");
        assertEquals(0x757e, half(new Asm().cLdsp(A0, 504), 0), "c.ldsp a0, 504(sp)");
        assertEquals(0xc206, half(new Asm().cSwsp(RA, 4), 0), "c.swsp ra, 4(sp)");
        assertEquals(0x9282, half(new Asm().cJalr(T0), 0), "c.jalr t0");
        assertEquals(0x8485, half(new Asm().cSrai(S1, 1), 0), "c.srai s1, 1");
        assertEquals(0x9b81, half(new Asm().cAndi(A5, -32), 0), "c.andi a5, -32");
        assertEquals(0x9ca1, half(new Asm().cAddw(S1, S0), 0), "c.addw s1, s0");
        assertEquals(0x7301, half(new Asm().cLui(T1, -32), 0), "c.lui t1, 0xfffe0");
        Asm back = new Asm().label("t");
        for (int i = 0; i < 128; i++) back.cNop();
        assertEquals(0xd101, half(back.cBeqz(A0, "t"), 256), "c.beqz a0, -256");
        Asm far = new Asm().label("t");
        for (int i = 0; i < 1024; i++) far.cNop();
        assertEquals(0xb001, half(far.cJ("t"), 2048), "c.j -2048");
    }
}
