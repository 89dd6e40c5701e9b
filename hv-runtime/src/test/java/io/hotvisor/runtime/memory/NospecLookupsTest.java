package io.hotvisor.runtime.memory;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads the compiled classes of the packages that index tables with guest-controlled values
 * ({@code sbi}, {@code evtchn}, {@code memory}) and finds every lookup whose index did not come
 * through {@link Nospec#index}: array loads, {@code VarHandle} reads of a byte-array view, and
 * {@code List.get}. An index counts as clamped when the data flow (ASM's source analysis,
 * following locals back to their stores) ends in a {@code Nospec.index} call, a constant, an
 * enum's {@code ordinal()} (a {@code switch} on an enum), or a method of the same class whose
 * every returned value is clamped in turn (a helper such as {@code slot(port)}).
 */
class NospecLookupsTest {
    private static final String NOSPEC = Type.getInternalName(Nospec.class);
    private static final List<String> PACKAGES = List.of("io/hotvisor/runtime/sbi", "io/hotvisor/runtime/evtchn",
            "io/hotvisor/runtime/memory");

    /** Lookups whose index no guest chooses: the host walking its own tables. Each says why. */
    private static final Map<String, String> HOST_WALKS = Map.of(
            "io/hotvisor/runtime/evtchn/EventChannelTable.freePort", "scans every port for a free one, in order",
            "io/hotvisor/runtime/evtchn/EventChannelTable.exportState", "a quiesced host exporting every port",
            "io/hotvisor/runtime/evtchn/EventChannelTable.importState", "ports from a snapshot the host's own old version wrote",
            "io/hotvisor/runtime/evtchn/EventChannelTable.link", "the host relinking every imported port");

    @Test
    void everyLookupInTheGuestFacingPackagesGoesThroughNospec() throws Exception {
        List<String> bypasses = new ArrayList<>();
        int lookups = 0;
        for (ClassNode c : classes()) {
            for (MethodNode m : c.methods) {
                if (HOST_WALKS.containsKey(c.name + "." + m.name)) continue;
                Frame<SourceValue>[] frames = frames(c, m);
                for (AbstractInsnNode insn : m.instructions) {
                    int depth = indexDepth(insn);
                    Frame<SourceValue> f = frames[m.instructions.indexOf(insn)];
                    if (depth < 0 || f == null) continue;
                    lookups++;
                    SourceValue index = f.getStack(f.getStackSize() - 1 - depth);
                    if (!new Flow(c).clamped(index, m, frames)) {
                        bypasses.add(c.name + "." + m.name + m.desc + " at instruction " + m.instructions.indexOf(insn));
                    }
                }
            }
        }
        assertThat(lookups).as("lookups found: the scan must see the guest-facing classes").isGreaterThan(20);
        assertThat(bypasses).as("lookups whose index did not come through Nospec.index").isEmpty();
    }

    @Test
    void theScanFindsALookupThatBypassesTheHelper() throws Exception {
        ClassNode c = read(Bypass.class);
        MethodNode m = c.methods.stream().filter(x -> x.name.equals("lookup")).findFirst().orElseThrow();
        Frame<SourceValue>[] frames = frames(c, m);
        AbstractInsnNode load = Stream.of(m.instructions.toArray()).filter(i -> i.getOpcode() == Opcodes.IALOAD).findFirst().orElseThrow();
        Frame<SourceValue> f = frames[m.instructions.indexOf(load)];
        assertThat(new Flow(c).clamped(f.getStack(f.getStackSize() - 1), m, frames)).isFalse();
    }

    @Test
    void theIndexIsKeptInRangeAndClampedToZeroOutside() {
        assertThat(Nospec.index(5, 8)).isEqualTo(5);
        assertThat(Nospec.index(7, 8)).isEqualTo(7);
        assertThat(Nospec.index(8, 8)).isZero();
        assertThat(Nospec.index(-1, 8)).isZero();
        assertThat(Nospec.index(Integer.MIN_VALUE, 8)).isZero();
        assertThat(Nospec.index(Integer.MAX_VALUE, Integer.MAX_VALUE)).isZero();
        assertThat(Nospec.index((1L << 32) + 3, 16L)).isZero();
        assertThat(Nospec.index(Long.MIN_VALUE, 16L)).isZero();
        assertThat(Nospec.index((1L << 30) - 1, 1L << 30)).isEqualTo((1 << 30) - 1);
    }

    /** A lookup as it must not be written: the guest's index straight into the table. */
    static final class Bypass {
        private final int[] table = new int[16];

        int lookup(int guestIndex) {
            return guestIndex >= 0 && guestIndex < table.length ? table[guestIndex] : -1;
        }
    }

    /** How deep under the stack top the index of a lookup lies; -1 when {@code insn} is no lookup. */
    private static int indexDepth(AbstractInsnNode insn) {
        int op = insn.getOpcode();
        if (op >= Opcodes.IALOAD && op <= Opcodes.SALOAD) return 0;
        if (!(insn instanceof MethodInsnNode call)) return -1;
        if (call.owner.equals("java/util/List") && call.name.equals("get")) return 0;
        boolean read = call.name.startsWith("get") || call.name.startsWith("compareAnd");
        if (call.owner.equals("java/lang/invoke/VarHandle") && read) {
            Type[] args = Type.getArgumentTypes(call.desc);
            if (args.length >= 2 && args[0].getSort() == Type.ARRAY && args[1] == Type.INT_TYPE) return args.length - 2;
        }
        return -1;
    }

    /** The data-flow question for one class: did an index come through the helper? */
    private static final class Flow {
        private final ClassNode owner;
        /** Helper methods already judged; a method still being judged counts as not clamping (recursion). */
        private final Map<String, Boolean> helpers = new java.util.HashMap<>();

        Flow(ClassNode owner) {
            this.owner = owner;
        }

        boolean clamped(SourceValue value, MethodNode m, Frame<SourceValue>[] frames) throws AnalyzerException {
            return clamped(value, m, frames, new HashSet<>());
        }

        /** Whether every way {@code value} was made ends in a clamped source. */
        private boolean clamped(SourceValue value, MethodNode m, Frame<SourceValue>[] frames, Set<AbstractInsnNode> seen)
                throws AnalyzerException {
            if (value.insns.isEmpty()) return false; // a parameter: the caller's value, unclamped here
            for (AbstractInsnNode insn : value.insns) {
                if (!seen.add(insn)) continue;
                int op = insn.getOpcode();
                if (op >= Opcodes.ICONST_M1 && op <= Opcodes.SIPUSH) continue;
                if (insn instanceof MethodInsnNode call) {
                    if (!clampingCall(call)) return false;
                    continue;
                }
                if (insn instanceof VarInsnNode load && (op == Opcodes.ILOAD || op == Opcodes.LLOAD)) {
                    if (!clamped(frames[m.instructions.indexOf(insn)].getLocal(load.var), m, frames, seen)) return false;
                    continue;
                }
                if (insn instanceof VarInsnNode && (op == Opcodes.ISTORE || op == Opcodes.LSTORE)) {
                    Frame<SourceValue> f = frames[m.instructions.indexOf(insn)];
                    if (!clamped(f.getStack(f.getStackSize() - 1), m, frames, seen)) return false;
                    continue;
                }
                return false; // arithmetic, a field, a loop counter (IINC): not through the helper
            }
            return true;
        }

        private boolean clampingCall(MethodInsnNode call) throws AnalyzerException {
            if (call.owner.equals(NOSPEC) && call.name.equals("index")) return true;
            if (call.name.equals("ordinal") && call.desc.equals("()I")) return true; // an enum switch's table
            if (!call.owner.equals(owner.name)) return false;
            String key = call.name + call.desc;
            Boolean known = helpers.get(key);
            if (known != null) return known;
            helpers.put(key, false);
            boolean result = returnsClamped(call);
            helpers.put(key, result);
            return result;
        }

        private boolean returnsClamped(MethodInsnNode call) throws AnalyzerException {
            for (MethodNode helper : owner.methods) {
                if (!helper.name.equals(call.name) || !helper.desc.equals(call.desc)) continue;
                Frame<SourceValue>[] frames = frames(owner, helper);
                for (AbstractInsnNode insn : helper.instructions) {
                    Frame<SourceValue> f = frames[helper.instructions.indexOf(insn)];
                    if (insn.getOpcode() == Opcodes.IRETURN && f != null
                            && !clamped(f.getStack(f.getStackSize() - 1), helper, frames, new HashSet<>())) {
                        return false;
                    }
                }
                return true;
            }
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static Frame<SourceValue>[] frames(ClassNode c, MethodNode m) throws AnalyzerException {
        return new Analyzer<>(new SourceInterpreter()).analyze(c.name, m);
    }

    private static List<ClassNode> classes() throws IOException, URISyntaxException {
        Path root = Path.of(Nospec.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<ClassNode> out = new ArrayList<>();
        for (String pkg : PACKAGES) {
            try (Stream<Path> files = Files.list(root.resolve(pkg))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    out.add(read(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    private static ClassNode read(Class<?> type) throws IOException {
        try (InputStream bytes = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
            return read(bytes.readAllBytes());
        }
    }

    private static ClassNode read(byte[] bytes) {
        ClassNode c = new ClassNode();
        new ClassReader(bytes).accept(c, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return c;
    }
}
