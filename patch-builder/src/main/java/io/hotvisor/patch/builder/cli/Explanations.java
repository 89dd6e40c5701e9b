package io.hotvisor.patch.builder.cli;

import java.util.List;

/** What {@code --explain} says about a refusal line: what the author can do instead. */
final class Explanations {
    private Explanations() {
    }

    /**
     * What to do about one kind of refusal.
     *
     * @param livepatch how to make the change redefinable, or {@code null} when it cannot be
     * @param otherwise what is left when it cannot: shipping it some other way
     */
    private record Advice(String livepatch, String otherwise) {
        String text() {
            return livepatch == null ? otherwise : livepatch + otherwise;
        }
    }

    /**
     * The advice for one line of a refusal.
     *
     * @param bundleUpdate the bundles {@code --allow-bundle-update} would replace for this change
     *                     (every one replaceable); empty when it would not build a bundle update
     */
    static String of(String refusal, List<String> bundleUpdate) {
        if (bundleUpdate.isEmpty() || !refusal.startsWith("refused: ")) {
            return of(refusal);
        }
        boolean one = bundleUpdate.size() == 1;
        String lead = "--allow-bundle-update would build a bundle update replacing bundle" + (one ? " " : "s ")
                + String.join(", ", bundleUpdate) + " (" + (one ? "it declares" : "they declare")
                + " Hotvisor-Replaceable: the state moves over to the new classes), which takes this change as it is";
        String livepatch = advice(refusal).livepatch();
        return livepatch == null ? lead : lead + "; or, to keep it a livepatch: " + livepatch;
    }

    static String of(String refusal) {
        if (refusal.startsWith("not a bundle update: ")) {
            if (refusal.contains(" is not replaceable ")) {
                return "a bundle is replaced whole only when its manifest declares Hotvisor-Replaceable (the factory that "
                        + "moves its state); make the change redefinable, or ship it as a host update";
            }
            if (refusal.contains("@LivepatchHooks")) {
                return "a bundle update has no hooks: its bundle's state-transfer factory does that work; drop the hooks "
                        + "class, or ship the hooks in a livepatch of their own";
            }
            return "a bundle update replaces whole packages of replaceable bundles; keep the change inside them";
        }
        return advice(refusal).text();
    }

    private static Advice advice(String refusal) {
        if (refusal.contains(": a trampoline cannot carry this class") || refusal.contains("does not declare Hotvisor-Patchable")
                || refusal.contains("a trampoline carries a new method only for")) {
            return new Advice("keep the new methods to what a trampoline carries (private or static methods and lambdas of the "
                    + "class, called from its own changed code), or move them into a new top-level class and build without "
                    + "--mechanism trampoline", "");
        }
        if (refusal.contains(": field added:")) {
            return new Advice("keep the new per-object state in a shadow variable (io.hotvisor.livepatch.api shadow variables, "
                    + "like kpatch's klp_shadow_*) instead of a new field", "; or ship the change as a bundle update with state transfer");
        }
        if (refusal.contains(": field ")) {
            return new Advice("a running JVM keeps every field as it is; leave the field alone and change the code that uses it",
                    ", or ship the change as a bundle update with state transfer");
        }
        if (refusal.contains("static initializer")) {
            return new Advice("static initializers already ran and never run again; do the one-time work in a pre-apply or apply hook "
                    + "(a @LivepatchHooks class), as kpatch's pre-patch callbacks do", "");
        }
        if (refusal.contains(": lambda added:") && refusal.endsWith(": a redefine cannot add a method")) {
            return new Advice("keep every existing lambda where it is and put new code in a new top-level class; or, for a host "
                    + "with livepatch-mechanism = trampoline, build with --mechanism trampoline, which carries new lambdas", "");
        }
        if (refusal.contains(": lambda added:") || refusal.contains(": lambda removed:") || refusal.contains(": lambdas cannot be paired:")) {
            return new Advice("keep every existing lambda where it is (same method, same constants before it) and put new code in "
                    + "a new top-level class; lambdas made before the patch stay bound to their method", "");
        }
        if (refusal.contains(" so the new code would never run")) {
            return new Advice("move the change into code that runs again (a method called after boot), or add a @LivepatchHooks "
                    + "class whose post-apply hook re-runs the registration", "; or restart the bundle (a bundle update restarts it)");
        }
        if (refusal.contains(": constant ") && refusal.contains(" is inlined by ")) {
            return new Advice("javac copies a constant into every class that reads it; add a new constant or a static method for the "
                    + "new value and use it where the change is meant to apply", "");
        }
        if (refusal.contains("differs from the head build after the payload")) {
            return new Advice(null, "the payload would leave the host running something other than the head revision; "
                    + "make the change inside the classes it is about, or ship a host update");
        }
        if (refusal.contains("(a new lambda)")) {
            return new Advice("a lambda is a new method; move the code into an existing method's body or into a new top-level class", "");
        }
        if (refusal.contains(": method added:") && !refusal.contains("a trampoline cannot carry it either")) {
            return new Advice("put the new method in a new top-level class (new classes are defined by the payload) and call it from "
                    + "the changed method; or, if it is private or static and the host runs livepatch-mechanism = trampoline, "
                    + "build with --mechanism trampoline, which carries it", "; or ship a bundle update");
        }
        if (refusal.contains(": method added:")) {
            return new Advice("put the new method in a new top-level class (new classes are defined by the payload) and call it from "
                    + "the changed method, or make it private", "; or ship a bundle update");
        }
        if (refusal.contains("nest members")) {
            return new Advice("make the new nested or anonymous class a top-level class in the same package", "");
        }
        if (refusal.contains("hook")) {
            return new Advice("hooks are public static void methods with no arguments, one per phase", "");
        }
        return new Advice(null, "a running JVM redefines method bodies only; ship this change as a bundle update with state transfer "
                + "(or a host update)");
    }
}
