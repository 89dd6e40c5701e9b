package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.A0;
import static io.hotvisor.runtime.arch.riscv.Asm.A1;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A live patch of how an instruction is translated reaches code that was translated before it, once
 * the translations are dropped (what the livepatch agent does inside the rendezvous, through
 * {@code Host.invalidateTranslations}), and not before: the block translator's emitter is redefined
 * in this JVM with a real {@code RedefineClasses}, as a payload would, to translate {@code xori} as
 * an or.
 */
class TranslatorPatchTest {
    private static final String EMITTER = "io.hotvisor.runtime.arch.riscv.InstructionEmitter";

    @Test
    void aPatchedTranslationRunsOnlyOnceTheOldTranslationsAreDropped() throws Exception {
        Instrumentation inst = ByteBuddyAgent.install();
        Class<?> emitter = Class.forName(EMITTER);
        byte[] original;
        try (InputStream in = emitter.getResourceAsStream("InstructionEmitter.class")) {
            original = in.readAllBytes();
        }
        TestMachine m = new TestMachine(new Asm().xori(A1, A0, 0b1010).ecall());
        TranslationCache cache = new TranslationCache(m.memory, 1);
        m.hart.useTranslations(cache);
        assertThat(runTranslated(m, cache)).isEqualTo(0b0110); // xor
        try {
            inst.redefineClasses(new ClassDefinition(emitter, xorAsOr(original)));
            assertThat(run(m, 0b1100)).as("the block translated before the patch still runs").isEqualTo(0b0110);

            cache.invalidateAll();
            assertThat(runTranslated(m, cache)).as("translated again, by the patched emitter").isEqualTo(0b1110);
        } finally {
            inst.redefineClasses(new ClassDefinition(emitter, original));
            cache.invalidateAll();
        }
        assertThat(runTranslated(m, cache)).as("reverted").isEqualTo(0b0110);
    }

    /**
     * Runs the program until its block runs translated: the first run of a fresh block is
     * interpreted and translates it (the cache's threshold is 1), the second runs the translation.
     */
    private static long runTranslated(TestMachine m, TranslationCache cache) {
        long before = cache.translatedBlocks();
        run(m, 0b1100);
        assertThat(cache.translatedBlocks()).as("translated at its first run").isEqualTo(before + 1);
        return run(m, 0b1100);
    }

    private static long run(TestMachine m, long a0) {
        m.hart.setPc(TestMachine.CODE);
        return m.set(A0, a0).runToEcall().reg(A1);
    }

    /** The emitter with every JVM {@code lxor} it would emit replaced by {@code lor}. */
    private static byte[] xorAsOr(byte[] emitter) {
        ClassReader reader = new ClassReader(emitter);
        ClassWriter writer = new ClassWriter(reader, 0);
        int[] replaced = {0};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, desc, sig, ex)) {
                    @Override
                    public void visitIntInsn(int opcode, int operand) {
                        if (opcode == Opcodes.SIPUSH && operand == Opcodes.LXOR) {
                            operand = Opcodes.LOR;
                            replaced[0]++;
                        }
                        super.visitIntInsn(opcode, operand);
                    }
                };
            }
        }, 0);
        assertThat(replaced[0]).as("the emitter pushes lxor as an operand").isPositive();
        return writer.toByteArray();
    }
}
