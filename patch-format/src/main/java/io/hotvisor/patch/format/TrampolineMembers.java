package io.hotvisor.patch.format;

import org.objectweb.asm.Opcodes;

/**
 * The one definition of what the trampoline mechanism can carry, member by member: the host's
 * trampoline runtime (patch-applier's {@code Weaver}, which gives methods their prologues, and
 * {@code NestmateBodies}, which compiles a payload class into a hidden nestmate) and the builder's
 * {@code hvpatch build --mechanism trampoline} both ask these methods, so what the builder lets into
 * a payload that requires a trampoline ({@link io.hotvisor.patch.format.manifest.Requirement#TRAMPOLINE})
 * is exactly what a trampoline host carries. Stateless; the reasons are written for a patch author.
 *
 * <p>How a trampoline carries a class: each changed method keeps running through its woven
 * prologue, which calls the new body, a static method (receiver first) of a hidden class defined as
 * a nestmate of the running class. Methods new in the payload's class, and every lambda body the new
 * code refers to, are copied into that hidden class beside the bodies, and the new code's calls to
 * them are redirected there. The running class itself never changes shape.
 *
 * <p>What is not here, because it needs more than a member's flags: a new instance method that
 * overrides a supertype's (the host names the overridden method; a non-private instance method is
 * refused either way), and the checks over the copied code ({@link #linksInHiddenClass}, super
 * calls, two copies with the same static form), which the builder mirrors and its tests pin to the
 * host's.
 */
public final class TrampolineMembers {
    /** Why a new non-private instance method is refused (the host may name what it would override). */
    public static final String NEW_VIRTUAL = "a new non-private instance method: a trampoline cannot add a virtual method (make it private)";

    private static final String METAFACTORY = "java/lang/invoke/LambdaMetafactory";

    private TrampolineMembers() {
    }

    /**
     * Whether classes of this kind are woven (given prologues) on a trampoline host: not interfaces,
     * annotations, modules, {@code package-info} or class files older than Java 8 (no stack map
     * frames to extend).
     *
     * @param access       the class's access flags
     * @param internalName its internal name ({@code a/b/C})
     * @param major        its class-file major version
     */
    public static boolean wovenClass(int access, String internalName, int major) {
        return (access & (Opcodes.ACC_INTERFACE | Opcodes.ACC_ANNOTATION | Opcodes.ACC_MODULE)) == 0
                && !internalName.endsWith("/package-info") && !internalName.equals("package-info")
                && !internalName.equals("module-info") && major >= Opcodes.V1_8;
    }

    /**
     * Whether a method gets a prologue, so a trampoline can patch its body: methods with code, except
     * constructors, {@code <clinit>}, bridges and synthetic methods other than lambda bodies.
     */
    public static boolean hasPrologue(int access, String name) {
        if (name.equals("<init>") || name.equals("<clinit>")) {
            return false;
        }
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE | Opcodes.ACC_BRIDGE)) != 0) {
            return false;
        }
        return (access & Opcodes.ACC_SYNTHETIC) == 0 || name.startsWith("lambda$");
    }

    /** Why a method of the running class whose code changed cannot be patched by a trampoline, or null when it can. */
    public static String changedMethod(int access, String name) {
        if (name.equals("<init>")) {
            return "a changed constructor (constructors have no prologue)";
        }
        if (name.equals("<clinit>")) {
            return "a changed static initialiser (it has run already)";
        }
        if (!hasPrologue(access, name)) {
            return "a changed bridge, synthetic, abstract or native method (it has no prologue)";
        }
        return null;
    }

    /**
     * Why a method that the payload's class has and the running class has not cannot be carried
     * beside the new bodies, or null when it can: private methods, static methods and lambda bodies
     * can; a non-private instance method ({@link #NEW_VIRTUAL}) cannot, nor a constructor, a static
     * initialiser (nothing would run it), an abstract, native or synchronized method.
     */
    public static String addedMethod(int access, String name) {
        if (name.equals("<init>")) {
            return "an added constructor";
        }
        if (name.equals("<clinit>")) {
            return "an added static initialiser (it would never run)";
        }
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return "an added abstract or native method";
        }
        if ((access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            return "an added synchronized method (its copy would lock the wrong monitor)";
        }
        if (isVirtual(access)) {
            return NEW_VIRTUAL;
        }
        return null;
    }

    /** Whether a method is dispatched virtually (neither static nor private), so a new one could override. */
    public static boolean isVirtual(int access) {
        return (access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0;
    }

    /**
     * Whether the new code's calls to a method of its own class go to a copy in the hidden class: the
     * method is new (the running class lacks it) or a lambda body; never a constructor.
     *
     * @param name            the method's name
     * @param inRunningClass  whether the running class has a method of that name and descriptor
     */
    public static boolean copied(String name, boolean inRunningClass) {
        return !name.equals("<init>") && (!inRunningClass || name.startsWith("lambda$"));
    }

    /**
     * Whether an {@code invokedynamic} whose implementation method moves into the hidden class can
     * still be linked: only by {@code LambdaMetafactory.metafactory} (a plain lambda or method
     * reference); {@code altMetafactory} (serializable lambdas, marker interfaces, bridges) cannot.
     */
    public static boolean linksInHiddenClass(String bootstrapOwner, String bootstrapName) {
        return bootstrapOwner.equals(METAFACTORY) && bootstrapName.equals("metafactory");
    }
}
