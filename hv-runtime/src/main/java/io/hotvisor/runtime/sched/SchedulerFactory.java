package io.hotvisor.runtime.sched;

import io.hotvisor.runtime.rendezvous.Rendezvous;

/**
 * Makes schedulers: what a scheduler implementation gives the host, so the host never names the
 * implementation's classes. Inside the OSGi host the implementation lives in its own bundle, which
 * names its factory in the manifest header {@link #MANIFEST_HEADER}; that bundle can then be
 * replaced while the host runs (a bundle update), the new version's factory making the scheduler
 * that takes over the old one's state.
 */
public interface SchedulerFactory {
    /** The manifest header of a replaceable implementation bundle: the binary name of its factory class. */
    String MANIFEST_HEADER = "Hotvisor-Replaceable";

    /** The implementation a host uses outside OSGi, where every class is on one class path. */
    String DEFAULT = "io.hotvisor.runtime.sched.credit2.Credit2Factory";

    /**
     * A new, not yet started scheduler.
     *
     * @param trace where slices are recorded, or null
     */
    Scheduler create(Topology topology, SchedGran gran, long sliceInstructions, Rendezvous rendezvous, ScheduleTrace trace);

    /** Finds a class by binary name: a class loader's, or an OSGi bundle's {@code loadClass}. */
    @FunctionalInterface
    interface ClassFinder {
        Class<?> find(String className) throws ClassNotFoundException;
    }

    /**
     * A new instance of the factory class {@code className}, found by {@code finder}, through its
     * public no-argument constructor.
     *
     * @throws IllegalStateException naming the class and what went wrong
     */
    static SchedulerFactory load(String className, ClassFinder finder) {
        try {
            return (SchedulerFactory) finder.find(className).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new IllegalStateException("cannot make the scheduler factory " + className + ": " + e, e);
        }
    }
}
