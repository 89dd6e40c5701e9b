package io.hotvisor.patch.applier;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The payload table is the only place a payload's state changes: no compiled class of the applier
 * other than {@link PayloadTable} writes a field of {@link PayloadTable.Entry}, and every mutable
 * field of an entry is private (so a new class cannot start writing one either).
 */
class PayloadStateOwnershipTest {
    private static final String ENTRY = Type.getInternalName(PayloadTable.Entry.class);
    private static final String TABLE = Type.getInternalName(PayloadTable.class);

    @Test
    void onlyThePayloadTableWritesAPayloadsState() throws Exception {
        List<String> writers = new ArrayList<>();
        for (Path classFile : applierClasses()) {
            ClassReader reader = new ClassReader(Files.readAllBytes(classFile));
            String owner = reader.getClassName();
            reader.accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitFieldInsn(int opcode, String fieldOwner, String field, String fieldDesc) {
                            boolean write = opcode == Opcodes.PUTFIELD || opcode == Opcodes.PUTSTATIC;
                            if (write && fieldOwner.equals(ENTRY) && !owner.equals(TABLE) && !owner.equals(ENTRY)) {
                                writers.add(owner + "." + name + " writes " + field);
                            }
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        }
        assertThat(writers).isEmpty();
    }

    @Test
    void everyMutableFieldOfAnEntryIsPrivate() throws IOException {
        List<String> exposed = new ArrayList<>();
        try (InputStream in = PayloadTable.Entry.class.getResourceAsStream("PayloadTable$Entry.class")) {
            new ClassReader(in.readAllBytes()).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public FieldVisitor visitField(int access, String name, String desc, String sig, Object value) {
                    if ((access & Opcodes.ACC_FINAL) == 0 && (access & Opcodes.ACC_PRIVATE) == 0) {
                        exposed.add(name);
                    }
                    return null;
                }
            }, ClassReader.SKIP_CODE);
        }
        assertThat(exposed).isEmpty();
    }

    private static List<Path> applierClasses() throws URISyntaxException, IOException {
        Path root = Path.of(LivepatchAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> out = files.filter(p -> p.toString().endsWith(".class")).toList();
            assertThat(out).as("compiled applier classes under " + root).isNotEmpty();
            return out;
        }
    }
}
