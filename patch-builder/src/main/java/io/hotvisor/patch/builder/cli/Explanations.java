package io.hotvisor.patch.builder.cli;

/** What {@code --explain} says about a refusal line: what the author can do instead. */
final class Explanations {
    private Explanations() {
    }

    static String of(String refusal) {
        if (refusal.contains(": field added:")) {
            return "keep the new per-object state in a shadow variable (io.hotvisor.livepatch.api shadow variables, "
                    + "like kpatch's klp_shadow_*) instead of a new field; or ship the change as a bundle update with state transfer";
        }
        if (refusal.contains(": field ")) {
            return "a running JVM keeps every field as it is; leave the field alone and change the code that uses it, "
                    + "or ship the change as a bundle update with state transfer";
        }
        if (refusal.contains("static initializer")) {
            return "static initializers already ran and never run again; do the one-time work in a pre-apply or apply hook "
                    + "(a @LivepatchHooks class), as kpatch's pre-patch callbacks do";
        }
        if (refusal.contains("(a new lambda)")) {
            return "a lambda is a new method; move the code into an existing method's body or into a new top-level class";
        }
        if (refusal.contains(": method added:")) {
            return "put the new method in a new top-level class (new classes are defined by the payload) and call it from "
                    + "the changed method; or ship a bundle update";
        }
        if (refusal.contains("nest members")) {
            return "make the new nested or anonymous class a top-level class in the same package";
        }
        if (refusal.contains("hook")) {
            return "hooks are public static void methods with no arguments, one per phase";
        }
        return "a running JVM redefines method bodies only; ship this change as a bundle update with state transfer "
                + "(or a host update)";
    }
}
