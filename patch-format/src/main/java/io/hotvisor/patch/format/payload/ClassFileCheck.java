package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.ClassEntry;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Checks that class bytes parse as a class file (ASM {@link ClassReader}) and declare the class they
 * should: a class entry the one its manifest entry names, a {@code .class} entry of a bundle jar the
 * one its path names ({@link BundleJarCheck}). Method bodies are skipped ({@link ClassReader#SKIP_CODE}):
 * ASM sizes its label table by a method's declared code length, which a crafted file could make huge,
 * and the JVM's own verifier checks the code when the class is loaded or redefined.
 */
final class ClassFileCheck {
    private static final int MAGIC = 0xCAFEBABE;

    private ClassFileCheck() {
    }

    /**
     * @throws PayloadException {@code BAD_CLASS_FILE} or {@code CLASS_NAME_MISMATCH}
     */
    static void check(ClassEntry entry, byte[] bytes) throws PayloadException {
        String where = "entry '" + entry.entryName() + "'";
        String declared = declaredClass(where, bytes).replace('/', '.');
        if (!declared.equals(entry.className())) {
            throw new PayloadException(PayloadError.CLASS_NAME_MISMATCH, where + " declares class "
                    + EntryNames.printable(declared) + " but the manifest names " + entry.className()
                    + "; the entry, the manifest and the bytes must name the same class");
        }
    }

    /**
     * The internal name ({@code a/b/Outer$Inner}) of the class {@code bytes} declare, once they parse.
     *
     * @param where what holds the bytes, for the message ({@code entry 'classes/...'})
     * @throws PayloadException {@code BAD_CLASS_FILE}
     */
    static String declaredClass(String where, byte[] bytes) throws PayloadException {
        if (bytes.length < 10 || readInt(bytes) != MAGIC) {
            throw new PayloadException(PayloadError.BAD_CLASS_FILE, where
                    + " is not a class file (it does not start with 0xCAFEBABE); rebuild the payload");
        }
        String internalName;
        try {
            ClassReader reader = new ClassReader(bytes);
            internalName = reader.getClassName();
            reader.accept(new ClassVisitor(Opcodes.ASM9) {
            }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        } catch (RuntimeException e) {
            // ASM reports malformed input as assorted unchecked exceptions (index out of bounds,
            // illegal argument for an unsupported version); all mean "not a class file we can read".
            throw new PayloadException(PayloadError.BAD_CLASS_FILE, where + " does not parse as a class file ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                    + EntryNames.printable(e.getMessage())) + "); rebuild the payload", e);
        }
        if (internalName == null) {
            // ASM returns null, not an exception, when this_class points at an empty constant-pool slot.
            throw new PayloadException(PayloadError.BAD_CLASS_FILE, where
                    + " does not parse as a class file (it names no class); rebuild the payload");
        }
        return internalName;
    }

    private static int readInt(byte[] b) {
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }
}
