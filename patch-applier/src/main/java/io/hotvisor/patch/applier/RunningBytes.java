package io.hotvisor.patch.applier;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the agent learns the bytes a class runs before any payload touched it. Asked once per
 * class, at first use; from then on the agent keeps its own record (each payload's bytes as it
 * applies them, the saved bytes as it reverts), which is what expectations, rollback and revert
 * use. The JVM's own notion of a class's current bytes is never consulted: it is ambiguous, and
 * other agents' retransforms change it.
 */
@FunctionalInterface
public interface RunningBytes {
    /**
     * The class-file bytes {@code type} was loaded from.
     *
     * @throws IOException when they cannot be read
     */
    byte[] initial(Class<?> type) throws IOException;

    /**
     * The production source: the class file resource of the class's own loader (a bundle's
     * loader finds its own entries first, so this is the bundle's class file).
     */
    final class FromClassLoader implements RunningBytes {
        @Override
        public byte[] initial(Class<?> type) throws IOException {
            ClassLoader loader = type.getClassLoader();
            String resource = type.getName().replace('.', '/') + ".class";
            try (InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(resource)
                    : loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("class loader of " + type.getName() + " has no resource " + resource);
                }
                return in.readAllBytes();
            }
        }
    }
}
