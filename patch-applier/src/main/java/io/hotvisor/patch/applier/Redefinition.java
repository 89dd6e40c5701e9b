package io.hotvisor.patch.applier;

/**
 * One class's move from {@code from} to {@code to} bytes: what an apply does to it, and what its
 * revert or a rollback undoes with {@link #reversed()}.
 */
record Redefinition(ClassKey key, Class<?> type, byte[] from, byte[] to) {
    Redefinition reversed() {
        return new Redefinition(key, type, to, from);
    }
}
