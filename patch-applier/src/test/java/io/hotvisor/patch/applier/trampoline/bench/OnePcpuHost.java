package io.hotvisor.patch.applier.trampoline.bench;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.sched.Topology;

import java.util.function.ToLongFunction;

/**
 * A 1x1 host that runs a guest image to completion and returns its instruction count. The weaving
 * benchmark loads this class and every hv-runtime class in a loader of its own, woven or not, and
 * talks to it only through {@code java.*} types.
 */
public final class OnePcpuHost implements ToLongFunction<byte[]>, AutoCloseable {
    private final Host host = new Host(HostConfig.defaults().withTopology(new Topology(1, 1)).withLogConsole(false)).start();
    private int runs;

    @Override
    public long applyAsLong(byte[] image) {
        try {
            Domain d = host.create(DomainConfig.of("sha256-" + runs++, image));
            d.boot();
            d.exit().get();
            return d.vcpus().get(0).hart().instret();
        } catch (Exception e) {
            throw new IllegalStateException("the guest did not run to its end", e);
        }
    }

    @Override
    public void close() throws Exception {
        host.close();
    }
}
