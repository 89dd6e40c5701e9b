package io.hotvisor.patch.builder.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Pairs the lambda bodies ({@code lambda$m$N}) of a class at two revisions by what they are, not by
 * javac's numbers. A lambda object made before the patch stays bound to its body's method name, so a
 * redefine that gives that name another lambda's body silently swaps behaviour (a command registered
 * at boot as {@code pause} would run {@code unpause}'s code). So a pairing is made only when it is
 * certain:
 * <ol>
 *   <li>same descriptor and the same body (references to other lambdas blanked): the same code, in
 *       whatever order;</li>
 *   <li>same enclosing method and descriptor, and the same constants loaded just before the
 *       {@code invokedynamic} site (the {@code "pause"} of {@code command("pause", args -> ...)}),
 *       when those are non-empty and unique;</li>
 *   <li>the only lambda left of its enclosing method and descriptor on both sides, at the same site
 *       of a method with as many sites: a body edited in place.</li>
 * </ol>
 * Anything else is refused, naming both lambdas with their source lines: a lambda removed (a
 * redefine cannot remove a method), or two that could be paired either way. A lambda added (no
 * lambda of the base shares its enclosing method and descriptor) is returned apart: a redefine
 * cannot add it, a trampoline can ({@link Classifier} decides which).
 *
 * <p>A lambda added keeps javac's name unless the base class has a method of that name (javac
 * renumbered, and a paired lambda took the name back): then it is renamed to a name the base has
 * not, so it can never be taken for a base lambda (whose running objects would then run its body).
 */
final class LambdaCorrelator {
    /** The suffix given to an unpaired head lambda whose name the base has, so it cannot collide with a base or renamed one. */
    static final String UNPAIRED = "$hvpatch$unpaired";
    private static final Pattern LAMBDA = Pattern.compile("^lambda\\$.*\\$\\d+$");
    private static final Pattern LAMBDA_REF = Pattern.compile("lambda\\$[\\w$]*?\\$\\d+");

    /**
     * The pairing.
     *
     * @param rename    head method key ({@code owner.name+desc}) to its base name, for {@link org.objectweb.asm.commons.SimpleRemapper}
     * @param refusals  one line per lambda that cannot be paired (removed, or ambiguous)
     * @param unpaired  methods already reported or returned as {@code added}, so they are not reported again as added
     *                  or removed methods: {@code "base:" + name + descriptor} with the base's name, {@code "head:" + name
     *                  + descriptor} with the name in the shipped bytes
     * @param added     with {@code carryAdded}: the lambdas added, which nothing in the base can be mistaken for;
     *                  otherwise empty, and each is a refusal line
     */
    record Result(Map<String, String> rename, List<String> refusals, Set<String> unpaired, List<Added> added) {
    }

    /**
     * A lambda of the head that no base lambda shares its enclosing method and descriptor with.
     *
     * @param shippedName its name in the shipped bytes: javac's, or javac's with {@link #UNPAIRED} when the base has that name
     * @param desc        its descriptor
     * @param access      its access flags
     * @param described   how refusals and changes name it ({@code lambda$greet$0 (head line 12, in greet)})
     */
    record Added(String shippedName, String desc, int access, String described) {
        String key() {
            return shippedName + desc;
        }
    }

    /** What identifies one lambda body. */
    private record Lambda(MethodNode method, String enclosing, int site, int sites, List<String> context, String body, int line) {
        String describe(String when) {
            return method.name + " (" + when + (line > 0 ? " line " + line : "") + ", in " + enclosing.replaceFirst("\\(.*", "")
                    + (context.isEmpty() ? "" : ", after " + String.join(" ", context)) + ")";
        }
    }

    private LambdaCorrelator() {
    }

    /**
     * Pairs the lambdas of two builds of a class.
     *
     * @param carryAdded whether a lambda added is returned in {@link Result#added()} (a trampoline can carry it)
     *                   rather than refused (a redefine cannot add a method)
     */
    static Result correlate(byte[] baseBytes, byte[] headBytes, boolean carryAdded) {
        ClassNode b = read(baseBytes);
        ClassNode h = read(headBytes);
        List<Lambda> bases = lambdas(b, lines(baseBytes));
        List<Lambda> heads = lambdas(h, lines(headBytes));
        Map<Lambda, Lambda> pairs = new LinkedHashMap<>();
        // 1. the same code.
        for (Lambda hl : List.copyOf(heads)) {
            for (Lambda bl : bases) {
                if (bl.method.desc.equals(hl.method.desc) && bl.body.equals(hl.body)) {
                    pairs.put(hl, bl);
                    bases.remove(bl);
                    heads.remove(hl);
                    break;
                }
            }
        }
        // 2. the same place, told apart by what is loaded before the site.
        for (Lambda hl : List.copyOf(heads)) {
            if (hl.context.isEmpty()) {
                continue;
            }
            List<Lambda> same = bases.stream().filter(bl -> sameGroup(bl, hl) && bl.context.equals(hl.context)).toList();
            long rivals = heads.stream().filter(o -> sameGroup(o, hl) && o.context.equals(hl.context)).count();
            if (same.size() == 1 && rivals == 1) {
                pairs.put(hl, same.get(0));
                bases.remove(same.get(0));
                heads.remove(hl);
            }
        }
        // 3. the one lambda of its method edited in place.
        for (Lambda hl : List.copyOf(heads)) {
            List<Lambda> same = bases.stream().filter(bl -> sameGroup(bl, hl)).toList();
            long rivals = heads.stream().filter(o -> sameGroup(o, hl)).count();
            if (same.size() == 1 && rivals == 1) {
                Lambda bl = same.get(0);
                if (bl.site == hl.site && bl.sites == hl.sites && bl.context.equals(hl.context)) {
                    pairs.put(hl, bl);
                    bases.remove(bl);
                    heads.remove(hl);
                }
            }
        }
        Map<String, String> rename = new HashMap<>();
        for (Map.Entry<Lambda, Lambda> p : pairs.entrySet()) {
            if (!p.getKey().method.name.equals(p.getValue().method.name)) {
                rename.put(h.name + "." + p.getKey().method.name + p.getKey().method.desc, p.getValue().method.name);
            }
        }
        List<String> refusals = new ArrayList<>();
        Set<String> unpaired = new HashSet<>();
        Set<Lambda> reported = new HashSet<>();
        List<Added> added = new ArrayList<>();
        Set<String> baseNames = new HashSet<>();
        b.methods.forEach(m -> baseNames.add(m.name));
        for (Lambda hl : heads) {
            List<Lambda> rivals = bases.stream().filter(bl -> sameGroup(bl, hl)).toList();
            String shipped = baseNames.contains(hl.method.name) ? hl.method.name + UNPAIRED : hl.method.name;
            unpaired.add("head:" + shipped + hl.method.desc);
            if (rivals.isEmpty() && carryAdded) {
                added.add(new Added(shipped, hl.method.desc, hl.method.access, hl.describe("head")));
            } else if (rivals.isEmpty()) {
                refusals.add("lambda added: " + hl.describe("head") + ": a redefine cannot add a method");
            } else {
                for (Lambda bl : rivals) {
                    reported.add(bl);
                    refusals.add("lambdas cannot be paired: " + bl.describe("base") + " and " + hl.describe("head")
                            + ": their bodies differ and nothing shows they are the same lambda; a lambda made before the patch "
                            + "would run the other's code (keep each lambda at its place with its constants, or add a named method)");
                }
            }
        }
        for (Lambda bl : bases) {
            unpaired.add("base:" + bl.method.name + bl.method.desc);
            if (!reported.contains(bl)) {
                refusals.add("lambda removed: " + bl.describe("base") + ": a redefine cannot remove a method");
            }
        }
        // A head lambda renamed to a base name that is also an unpaired head name must not collide;
        // a lambda added keeps javac's name when the base has no method of that name.
        for (Lambda hl : heads) {
            if (baseNames.contains(hl.method.name)) {
                rename.put(h.name + "." + hl.method.name + hl.method.desc, hl.method.name + UNPAIRED);
            }
        }
        return new Result(rename, refusals, unpaired, added);
    }

    private static boolean sameGroup(Lambda a, Lambda b) {
        return a.enclosing.equals(b.enclosing) && a.method.desc.equals(b.method.desc);
    }

    private static List<Lambda> lambdas(ClassNode node, Map<String, Integer> lines) {
        Map<String, MethodNode> byKey = new LinkedHashMap<>();
        for (MethodNode m : node.methods) {
            if (LAMBDA.matcher(m.name).matches() && (m.access & Opcodes.ACC_SYNTHETIC) != 0) {
                byKey.put(m.name + m.desc, m);
            }
        }
        List<Lambda> out = new ArrayList<>();
        for (MethodNode enclosing : node.methods) {
            List<InvokeDynamicInsnNode> sites = new ArrayList<>();
            for (AbstractInsnNode insn : enclosing.instructions) {
                if (insn instanceof InvokeDynamicInsnNode indy && lambdaHandle(node, indy) != null) {
                    sites.add(indy);
                }
            }
            List<String> context = new ArrayList<>();
            int site = 0;
            for (AbstractInsnNode insn : enclosing.instructions) {
                if (insn instanceof LdcInsnNode ldc && (ldc.cst instanceof String || ldc.cst instanceof Number)) {
                    context.add(ldc.cst instanceof String s ? "\"" + s + "\"" : String.valueOf(ldc.cst));
                } else if (insn instanceof InvokeDynamicInsnNode indy) {
                    Handle handle = lambdaHandle(node, indy);
                    if (handle == null) {
                        continue;
                    }
                    MethodNode target = byKey.remove(handle.getName() + handle.getDesc());
                    if (target != null) {
                        out.add(new Lambda(target, enclosing.name + enclosing.desc, site, sites.size(), List.copyOf(context),
                                body(target), lines.getOrDefault(target.name + target.desc, 0)));
                    }
                    site++;
                    context.clear();
                }
            }
        }
        for (MethodNode orphan : byKey.values()) {
            out.add(new Lambda(orphan, "(no site)", -1, 0, List.of(), body(orphan), lines.getOrDefault(orphan.name + orphan.desc, 0)));
        }
        return out;
    }

    private static Handle lambdaHandle(ClassNode node, InvokeDynamicInsnNode indy) {
        for (Object arg : indy.bsmArgs) {
            if (arg instanceof Handle h && h.getOwner().equals(node.name) && LAMBDA.matcher(h.getName()).matches()) {
                return h;
            }
        }
        return null;
    }

    /** The first source line of each method, from the debug information. */
    private static Map<String, Integer> lines(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_FRAMES);
        Map<String, Integer> out = new HashMap<>();
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (insn instanceof LineNumberNode line) {
                    out.put(m.name + m.desc, line.line);
                    break;
                }
            }
        }
        return out;
    }

    /** The body without debug information, references to other lambdas blanked. */
    private static String body(MethodNode m) {
        return LAMBDA_REF.matcher(MethodText.of(m)).replaceAll("lambda\\$?");
    }

    private static ClassNode read(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return node;
    }
}
