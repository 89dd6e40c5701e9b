package io.hotvisor.runtime.host;

import io.hotvisor.runtime.arch.riscv.TranslationCache;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.Topology;

/**
 * How a host is built.
 *
 * @param topology          physical CPUs: cores x threads per core
 * @param schedGran         scheduling granularity (cpu or core)
 * @param sliceInstructions guest instructions per time slice (bounds the time to quiesce when {@code rendezvousIpi} is off)
 * @param traceSlices       how many slices to record in the schedule trace (0: no trace)
 * @param logConsole        whether guest console lines go to the host log
 * @param engine            how vCPUs execute guest code
 * @param rendezvousIpi     whether a rendezvous cuts running slices short (Xen's IPI to every pCPU):
 *                          on, a pCPU parks within {@code Vcpu.CUT_CHUNK} instructions; off, only at
 *                          the end of its slice (tests use that to model a pCPU that is late)
 * @param translateAfter    with the translator: interpreted runs of a block before it is translated
 *                          (default {@link TranslationCache#HOT}; 1 translates every block at its
 *                          first run, which tests use to put all guest code through the translator)
 */
public record HostConfig(Topology topology, SchedGran schedGran, long sliceInstructions, int traceSlices, boolean logConsole,
                         Engine engine, boolean rendezvousIpi, int translateAfter) {
    public HostConfig {
        if (translateAfter < 1) throw new IllegalArgumentException("translateAfter must be at least 1, got " + translateAfter);
    }

    /** 100,000 instructions: well under a millisecond at the interpreter's speed. */
    public static final long DEFAULT_SLICE = 100_000;

    /**
     * A full host still interprets by default: the end-to-end suites, the live-patch demo and the
     * patch samples time their steps against guests that run at the interpreter's speed (a capped
     * victim must outlive an attack guest's start, say). {@code hv run} translates by default.
     */
    public static final Engine DEFAULT_ENGINE = Engine.INTERPRETER;

    public static HostConfig defaults() {
        return new HostConfig(new Topology(2, 2), SchedGran.CPU, DEFAULT_SLICE, 0, true, DEFAULT_ENGINE, true, TranslationCache.HOT);
    }

    public HostConfig withTopology(Topology t) { return new HostConfig(t, schedGran, sliceInstructions, traceSlices, logConsole, engine, rendezvousIpi, translateAfter); }
    public HostConfig withSchedGran(SchedGran g) { return new HostConfig(topology, g, sliceInstructions, traceSlices, logConsole, engine, rendezvousIpi, translateAfter); }
    public HostConfig withSlice(long n) { return new HostConfig(topology, schedGran, n, traceSlices, logConsole, engine, rendezvousIpi, translateAfter); }
    public HostConfig withTrace(int n) { return new HostConfig(topology, schedGran, sliceInstructions, n, logConsole, engine, rendezvousIpi, translateAfter); }
    public HostConfig withEngine(Engine e) { return new HostConfig(topology, schedGran, sliceInstructions, traceSlices, logConsole, e, rendezvousIpi, translateAfter); }
    public HostConfig withLogConsole(boolean on) { return new HostConfig(topology, schedGran, sliceInstructions, traceSlices, on, engine, rendezvousIpi, translateAfter); }
    public HostConfig withTranslateAfter(int runs) { return new HostConfig(topology, schedGran, sliceInstructions, traceSlices, logConsole, engine, rendezvousIpi, runs); }
    public HostConfig withRendezvousIpi(boolean on) { return new HostConfig(topology, schedGran, sliceInstructions, traceSlices, logConsole, engine, on, translateAfter); }
}
