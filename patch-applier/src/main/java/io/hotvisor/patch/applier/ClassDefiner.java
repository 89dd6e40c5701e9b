package io.hotvisor.patch.applier;

import java.lang.invoke.MethodHandles;

/**
 * Defines a payload's new classes into their bundles' loaders and records them, wherever that
 * happens: before the pre-apply hook (a hook's class must exist to run) or inside the window; the
 * {@link Planner} decides which. Only the holder of the action permit calls it.
 */
final class ClassDefiner {
    private final ClassRecord record;
    private final PayloadTable table;

    ClassDefiner(ClassRecord record, PayloadTable table) {
        this.record = record;
        this.table = table;
    }

    /**
     * Defines {@code n} unless an earlier action already did (the JVM cannot define a class twice,
     * and a class stays defined after its payload is reverted).
     *
     * @throws Throwable whatever the JVM threw ({@link LinkageError}, {@link IllegalAccessException})
     */
    void define(Window.NewClass n) throws Throwable {
        if (record.definedClass(n.key()) != null) {
            return;
        }
        Class<?> type = n.anchor() != null
                ? MethodHandles.privateLookupIn(n.anchor(), MethodHandles.lookup()).defineClass(n.bytes())
                : ((ClassLocator.DefiningLoader) n.loader()).defineLivepatchClass(n.key().className(), n.bytes());
        record.defined(n.key(), type, n.bytes());
        table.defined(n.owner(), n.key());
    }
}
