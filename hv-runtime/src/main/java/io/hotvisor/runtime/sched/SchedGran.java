package io.hotvisor.runtime.sched;

/**
 * Scheduling granularity (Xen 4.13's {@code sched-gran}): {@code cpu} schedules single vCPUs on
 * single pCPUs; {@code core} schedules a unit of up to threads-per-core vCPUs of one domain onto a
 * whole core, so sibling threads never run different domains at the same time.
 */
public enum SchedGran {
    CPU, CORE;

    public static SchedGran parse(String text) {
        return switch (text.trim().toLowerCase()) {
            case "cpu" -> CPU;
            case "core" -> CORE;
            default -> throw new IllegalArgumentException("sched-gran must be cpu or core, got '" + text + "'");
        };
    }

    @Override
    public String toString() { return name().toLowerCase(); }
}
