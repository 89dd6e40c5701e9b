package io.hotvisor.patch.applier.activeness;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class MethodDiffTest {
    /** A class with methods a() and b() returning the given constants; {@code line} goes into a()'s line table. */
    private static byte[] twoMethods(int a, int b, int line) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "p/C", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "a", "()I", null, null);
        mv.visitCode();
        Label start = new Label();
        mv.visitLabel(start);
        mv.visitLineNumber(line, start);
        mv.visitLdcInsn(a);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "b", "()I", null, null);
        mv.visitCode();
        mv.visitLdcInsn(b);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void onlyMethodsWhoseCodeDiffersAreChanged() {
        assertThat(MethodDiff.changedMethods(twoMethods(1, 2, 10), twoMethods(1, 3, 10))).containsExactly("b");
        assertThat(MethodDiff.changedMethods(twoMethods(1, 2, 10), twoMethods(5, 6, 10))).containsExactly("a", "b");
    }

    @Test
    void aMovedLineIsNotAChange() {
        assertThat(MethodDiff.changedMethods(twoMethods(1, 2, 10), twoMethods(1, 2, 42))).isEmpty();
    }

    @Test
    void theStackScanSkipsTheSafePointsOwnFramesButNotItsCallers() {
        Map<String, Set<String>> changed = Map.of("io.hotvisor.runtime.sched.Credit2", Set.of("cpuLoop", "pickNext"));
        StackTraceElement[] parked = {
                new StackTraceElement("java.util.concurrent.locks.LockSupport", "park", null, 1),
                new StackTraceElement("io.hotvisor.runtime.sched.Credit2", "pickNext", null, 2),
                new StackTraceElement(ActivenessCheck.SAFE_POINT_CLASS, ActivenessCheck.SAFE_POINT_METHOD, null, 3),
                new StackTraceElement("io.hotvisor.runtime.sched.Credit2", "cpuLoop", null, 4),
                new StackTraceElement("java.lang.Thread", "run", null, 5)};
        ActivenessCheck.Hit hit = ActivenessCheck.scan("pcpu-0", parked, changed);
        assertThat(hit).isNotNull();
        assertThat(hit.methodName()).isEqualTo("cpuLoop");
        assertThat(hit.describe()).contains("io.hotvisor.runtime.sched.Credit2.cpuLoop").contains("'pcpu-0'");
        assertThat(ActivenessCheck.scan("pcpu-0", parked, Map.of("io.hotvisor.runtime.sched.Credit2", Set.of("pickNext")))).isNull();
    }
}
