package io.hotvisor.patch.builder.diff;

import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A method's code as text (ASM's listing of its instructions and handlers), for comparing bodies. */
final class MethodText {
    private MethodText() {
    }

    /** The instructions and exception handlers of {@code m}, with whatever debug information {@code m} holds. */
    static String of(MethodNode m) {
        Textifier text = new Textifier();
        TraceMethodVisitor trace = new TraceMethodVisitor(text);
        m.tryCatchBlocks.forEach(t -> t.accept(trace));
        m.instructions.accept(trace);
        StringWriter out = new StringWriter();
        text.print(new PrintWriter(out));
        return out.toString();
    }
}
