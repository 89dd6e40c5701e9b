package io.hotvisor.runtime.cli;

import io.hotvisor.log.HostLog;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code hv demo}: boots a 2-core x 2-thread host with every sample guest at once, prints their
 * consoles line by line, and a summary of how each ended. The {@code fault} guest is expected to
 * crash: that shows a crash stays inside its domain.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Boot a host running all sample guests and show their output.")
final class DemoCommand implements Callable<Integer> {
    /** Guests and whether each is expected to crash. */
    private static final List<String> GUESTS = List.of("hello", "sha256", "primes", "counter", "traps", "fault", "pong", "ping");

    /** The distribution's bin/hv names its own guests/ folder; from a checkout, the built sample guests. */
    @Option(names = "--guests", defaultValue = "${sys:hotvisor.guests:-hv-runtime/guests/bin}",
            description = "folder of the sample guest ELFs (default: ${DEFAULT-VALUE})")
    Path folder;

    @Option(names = "--topology", defaultValue = "2x2", description = "pCPUs as CORESxTHREADS (default: ${DEFAULT-VALUE})")
    String topology;

    @Option(names = "--sched-gran", defaultValue = "cpu", description = "cpu or core (default: ${DEFAULT-VALUE})")
    String schedGran;

    @Option(names = "--timeout", defaultValue = "120", description = "seconds to wait for all guests (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(folder)) {
            throw new HvCommand.UserError("no guest folder at " + folder + "; run from the repository root or pass --guests DIR");
        }
        HostLog.floor(System.Logger.Level.WARNING);
        HostConfig hc = HostConfig.defaults().withTopology(Topology.parse(topology))
                .withSchedGran(SchedGran.parse(schedGran)).withLogConsole(false);
        Map<String, CompletableFuture<DomainExit>> exits = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (Host host = new Host(hc).start()) {
            System.out.printf("Hotvisor demo: %d pCPUs (%s), sched-gran=%s, %d guests%n",
                    hc.topology().pcpus(), hc.topology(), hc.schedGran(), GUESTS.size());
            for (String g : GUESTS) {
                byte[] image = RunCommand.readGuest(folder.resolve(g + ".elf"));
                Domain d;
                try {
                    d = host.create(DomainConfig.of(g, image));
                } catch (ElfFormatException e) {
                    throw new HvCommand.UserError(g + ".elf: " + e.getMessage());
                }
                String prefix = String.format("[d%d %-7s] ", d.id(), g);
                d.console().onLine(line -> System.out.println(prefix + line));
                exits.put(g, d.exit());
                d.boot();
            }
            CompletableFuture.allOf(exits.values().toArray(new CompletableFuture[0])).get(timeoutSeconds, TimeUnit.SECONDS);
        }
        System.out.printf("%nAll guests ended after %.1f s:%n", (System.nanoTime() - start) / 1e9);
        boolean asExpected = true;
        for (var e : exits.entrySet()) {
            DomainExit how = e.getValue().get();
            boolean expectedCrash = e.getKey().equals("fault");
            boolean ok = expectedCrash ? how.state() == io.hotvisor.runtime.domain.DomainState.CRASHED
                    : how.state() == io.hotvisor.runtime.domain.DomainState.SHUTDOWN && how.sbiReason() == 0;
            asExpected &= ok;
            System.out.printf("  %-8s %-9s %s%s%n", e.getKey(), how.state().name().toLowerCase(), how.detail(),
                    expectedCrash && ok ? " (expected: this guest faults on purpose)" : ok ? "" : "  <- unexpected");
        }
        return asExpected ? 0 : 1;
    }
}
