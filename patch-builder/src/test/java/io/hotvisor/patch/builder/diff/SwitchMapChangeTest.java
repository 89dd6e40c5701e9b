package io.hotvisor.patch.builder.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A changed static initializer of javac's switch-map class is refused in the words of the source
 * (enum switch cases), not as a static initializer the author never wrote; any other changed static
 * initializer keeps its own line.
 */
class SwitchMapChangeTest {

    /**
     * {@code name} with {@code static final int[] field} filled in {@code <clinit>} as javac fills a
     * switch map: {@code field[Kind.X.ordinal()] = i + 1} for each constant of {@code order}.
     */
    private static byte[] mapClass(String name, String field, String... order) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, name, null, "java/lang/Object", null);
        cw.visitField(Opcodes.ACC_STATIC | Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC, field, "[I", null, null).visitEnd();
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
        init.visitCode();
        init.visitIntInsn(Opcodes.BIPUSH, order.length);
        init.visitIntInsn(Opcodes.NEWARRAY, Opcodes.T_INT);
        init.visitFieldInsn(Opcodes.PUTSTATIC, name, field, "[I");
        for (int i = 0; i < order.length; i++) {
            init.visitFieldInsn(Opcodes.GETSTATIC, name, field, "[I");
            init.visitFieldInsn(Opcodes.GETSTATIC, "demo/Kind", order[i], "Ldemo/Kind;");
            init.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "demo/Kind", "ordinal", "()I", false);
            init.visitIntInsn(Opcodes.BIPUSH, i + 1);
            init.visitInsn(Opcodes.IASTORE);
        }
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static List<String> refusals(String name, byte[] base, byte[] head) {
        String binary = name.replace('/', '.');
        List<Verdict> verdicts = Classifier.classify(Map.of(binary, base), Map.of(binary, head));
        assertThat(verdicts).singleElement().extracting(Verdict::kind).isEqualTo(Verdict.Kind.REFUSED);
        return verdicts.get(0).refusals();
    }

    @Test
    void reorderedEnumCasesAreNamedAsSuchForTheTopLevelClass() {
        List<String> lines = refusals("demo/Cpu$1", mapClass("demo/Cpu$1", "$SwitchMap$demo$Kind", "FETCH", "LOAD", "STORE"),
                mapClass("demo/Cpu$1", "$SwitchMap$demo$Kind", "STORE", "FETCH", "LOAD"));
        assertThat(lines).singleElement().asString()
                .startsWith("enum switch cases added, removed or reordered in demo.Cpu: ")
                .contains("keep the cases of an existing enum switch in their order");
    }

    @Test
    void otherStaticInitializerChangeKeepsItsOwnLine() {
        List<String> lines = refusals("demo/Tables", mapClass("demo/Tables", "ORDER", "FETCH", "LOAD"),
                mapClass("demo/Tables", "ORDER", "LOAD", "FETCH"));
        assertThat(lines).containsExactly("static initializer changed (it already ran and does not run again)");
    }
}
