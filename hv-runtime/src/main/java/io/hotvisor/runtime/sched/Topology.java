package io.hotvisor.runtime.sched;

/**
 * The host's physical CPUs: {@code cores} cores of {@code threadsPerCore} threads each. pCPU ids run
 * core by core: pCPU {@code c * threadsPerCore + t} is thread {@code t} of core {@code c}.
 */
public record Topology(int cores, int threadsPerCore) {
    public Topology {
        if (cores < 1 || cores > 64) throw new IllegalArgumentException("cores must be between 1 and 64, got " + cores);
        if (threadsPerCore < 1 || threadsPerCore > 8) throw new IllegalArgumentException("threads per core must be between 1 and 8, got " + threadsPerCore);
    }

    /** Parses {@code CORESxTHREADS}, e.g. {@code 2x2}. */
    public static Topology parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        if (parts.length != 2) throw new IllegalArgumentException("topology must look like CORESxTHREADS (e.g. 2x2), got '" + text + "'");
        try {
            return new Topology(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topology must look like CORESxTHREADS (e.g. 2x2), got '" + text + "'");
        }
    }

    public int pcpus() { return cores * threadsPerCore; }

    public int coreOf(int pcpu) { return pcpu / threadsPerCore; }

    @Override
    public String toString() { return cores + "x" + threadsPerCore; }
}
