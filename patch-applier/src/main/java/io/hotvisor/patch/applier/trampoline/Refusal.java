package io.hotvisor.patch.applier.trampoline;

/**
 * A member of a payload class that a trampoline cannot carry, and why: the action either carries
 * that class by redefinition instead or refuses the payload, quoting {@link #toString()}.
 *
 * @param className binary name of the class
 * @param member    the member ({@code name(descriptor)}, a field name, or {@code class})
 * @param reason    why, in words a patch author can act on
 */
public record Refusal(String className, String member, String reason) {
    @Override
    public String toString() {
        return className + "." + member + ": " + reason;
    }
}
