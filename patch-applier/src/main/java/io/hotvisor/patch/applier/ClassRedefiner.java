package io.hotvisor.patch.applier;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Objects;

/**
 * Replaces the bytes of loaded classes. The agent calls it once per action with every class of the
 * action, because one {@code redefineClasses} call is all-or-nothing (JVMTI: on any error no class
 * gets its new definition) and class-by-class redefinition can half-apply a payload.
 */
@FunctionalInterface
public interface ClassRedefiner {
    /**
     * Redefines every class of {@code batch} in one step.
     *
     * @throws Exception whatever the JVM throws ({@link VerifyError}, {@link ClassFormatError},
     *                   {@link UnsupportedOperationException}, ...); then no class was changed
     */
    void redefine(List<ClassDefinition> batch) throws Exception;

    /**
     * Called before the pause with the batch {@link #redefine} will get, so that work which need
     * not happen with the pCPUs parked happens now. The default prepares nothing.
     */
    default void prepare(List<ClassDefinition> batch) {
    }

    /**
     * Called after the pause of every action that had a batch, whether the window changed anything
     * or not, for tidying that need not (or must not, because it costs) happen with the pCPUs
     * parked. The default tidies nothing.
     */
    default void settle() {
    }

    /**
     * How the last successful {@link #redefine} carried its batch, in the words an action report
     * uses ({@link ActionReport#REDEFINE}, {@link ActionReport#TRAMPOLINE}, {@link ActionReport#MIXED}).
     * The default: every class was redefined.
     */
    default String lastMechanism() {
        return ActionReport.REDEFINE;
    }

    /**
     * The production redefiner: {@link Instrumentation#redefineClasses}. It never retransforms:
     * mixing the two on one class hands later retransforms stale bytes (JDK-7124710).
     */
    final class ForInstrumentation implements ClassRedefiner {
        private final Instrumentation instrumentation;

        /** @throws IllegalArgumentException when the JVM cannot redefine classes */
        public ForInstrumentation(Instrumentation instrumentation) {
            this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
            if (!instrumentation.isRedefineClassesSupported()) {
                throw new IllegalArgumentException("this JVM's instrumentation cannot redefine classes;"
                        + " start the agent with Can-Redefine-Classes: true");
            }
        }

        @Override
        public void redefine(List<ClassDefinition> batch) throws Exception {
            instrumentation.redefineClasses(batch.toArray(new ClassDefinition[0]));
        }
    }
}
