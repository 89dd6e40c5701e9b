package io.hotvisor.patch.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What a real HotSpot accepts, which the classifier's decisions rest on: a changed
 * {@code ConstantValue} of a {@code static final} field redefines (the field keeps its value), an
 * added field does not.
 */
class ConstantValueRedefinitionTest {

    /** A class {@code Limits} with {@code public static final int LIMIT = value} and {@code int get()} returning {@code ret}. */
    private static byte[] limits(int value, int ret, boolean extraField) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "hvtest/Limits", null, "java/lang/Object", null);
        cw.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC | Opcodes.ACC_FINAL, "LIMIT", "I", null, value).visitEnd();
        if (extraField) {
            cw.visitField(Opcodes.ACC_PRIVATE, "boostCredits", "I", null, null).visitEnd();
        }
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor get = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "get", "()I", null, null);
        get.visitCode();
        get.visitLdcInsn(ret);
        get.visitInsn(Opcodes.IRETURN);
        get.visitMaxs(0, 0);
        get.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static final class Loader extends ClassLoader {
        Class<?> define(byte[] bytes) {
            return defineClass("hvtest.Limits", bytes, 0, bytes.length);
        }
    }

    @Test
    void changedConstantValueIsAcceptedAndTheFieldKeepsItsValue() throws Exception {
        Instrumentation inst = ByteBuddyAgent.install();
        Class<?> c = new Loader().define(limits(5, 5, false));
        assertThat(c.getField("LIMIT").getInt(null)).isEqualTo(5);
        inst.redefineClasses(new ClassDefinition(c, limits(6, 6, false)));
        assertThat(c.getMethod("get").invoke(null)).isEqualTo(6);
        assertThat(c.getField("LIMIT").getInt(null)).isEqualTo(5);
    }

    @Test
    void addedFieldIsRejectedByTheJvm() {
        Instrumentation inst = ByteBuddyAgent.install();
        Class<?> c = new Loader().define(limits(5, 5, false));
        assertThatThrownBy(() -> inst.redefineClasses(new ClassDefinition(c, limits(5, 5, true))))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
