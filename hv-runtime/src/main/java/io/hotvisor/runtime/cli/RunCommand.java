package io.hotvisor.runtime.cli;

import io.hotvisor.log.HostLog;
import io.hotvisor.runtime.arch.riscv.TranslationCache;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.host.Engine;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code hv run}: one guest on a minimal host, its console on stdout, its fate as the exit status. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a minimal host with one guest, copy its console to stdout and exit when it shuts down.",
                "",
                "Exit status: 0 the guest shut down with no reason; 1 it shut down reporting a system failure",
                "(or another reason); 2 usage error or unloadable guest; 3 the guest crashed; 4 timeout."})
final class RunCommand implements Callable<Integer> {
    static final int EXIT_OK = 0, EXIT_FAILURE = 1, EXIT_USAGE = 2, EXIT_CRASHED = 3, EXIT_TIMEOUT = 4;
    /** Defaults, one place for picocli's annotations and {@link QuickRun}. */
    static final String DEFAULT_VCPUS = "1", DEFAULT_MEM = "16M", DEFAULT_TOPOLOGY = "1x1", DEFAULT_SCHED_GRAN = "cpu",
            DEFAULT_TRANSLATE_AFTER = "" + TranslationCache.HOT;

    @Option(names = "--vcpus", defaultValue = DEFAULT_VCPUS, description = "vCPUs of the guest (default: ${DEFAULT-VALUE})")
    int vcpus;

    @Option(names = "--mem", defaultValue = DEFAULT_MEM, description = "guest RAM, e.g. 16M, 64MiB (default: ${DEFAULT-VALUE})")
    String memory;

    @Option(names = "--timeout", description = "give up after this many seconds (exit status 4)")
    Double timeoutSeconds;

    @Option(names = "--topology", defaultValue = DEFAULT_TOPOLOGY, description = "pCPUs as CORESxTHREADS (default: ${DEFAULT-VALUE})")
    String topology;

    @Option(names = "--sched-gran", defaultValue = DEFAULT_SCHED_GRAN, description = "cpu or core (default: ${DEFAULT-VALUE})")
    String schedGran;

    @Option(names = "--engine", description = "interpreter or translator (default: ${DEFAULT-VALUE})")
    String engine = Engine.TRANSLATOR.toString();

    @Option(names = "--translate-after", defaultValue = DEFAULT_TRANSLATE_AFTER, paramLabel = "RUNS",
            description = "with the translator: interpreted runs of a block before it is translated; 1 translates "
                    + "every block at its first run (default: ${DEFAULT-VALUE})")
    int translateAfter;

    @Option(names = "--verbose", description = "show the host log on stderr")
    boolean verbose;

    @Parameters(paramLabel = "GUEST.elf", description = "a statically linked RV64 ELF executable")
    Path guest;

    /** A command with the declared defaults, as picocli would make it before reading options ({@link QuickRun}). */
    static RunCommand withDefaults() {
        RunCommand r = new RunCommand();
        r.vcpus = Integer.parseInt(DEFAULT_VCPUS);
        r.memory = DEFAULT_MEM;
        r.topology = DEFAULT_TOPOLOGY;
        r.schedGran = DEFAULT_SCHED_GRAN;
        r.translateAfter = TranslationCache.HOT;
        return r;
    }

    @Override
    public Integer call() throws Exception {
        if (translateAfter < 1) throw new HvCommand.UserError("--translate-after must be at least 1, got " + translateAfter);
        byte[] image = readGuest(guest);
        DomainConfig cfg = new DomainConfig(nameOf(guest), image, vcpus, Sizes.parse(memory), DomainConfig.DEFAULT_WEIGHT, 0);
        HostConfig hc = HostConfig.defaults().withTopology(Topology.parse(topology))
                .withSchedGran(SchedGran.parse(schedGran)).withEngine(Engine.parse(engine)).withTranslateAfter(translateAfter).withLogConsole(false);
        if (!verbose) HostLog.floor(System.Logger.Level.WARNING);
        PrintStream out = System.out;
        try (Host host = new Host(hc).start()) {
            Domain d;
            try {
                d = host.create(cfg);
            } catch (ElfFormatException e) {
                throw new HvCommand.UserError(guest + ": " + e.getMessage());
            }
            d.console().onBytes(bytes -> { out.write(bytes, 0, bytes.length); out.flush(); });
            d.boot();
            DomainExit how;
            try {
                how = timeoutSeconds == null ? d.exit().get()
                        : d.exit().get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                System.err.printf("hv: timeout: %s still running after %s s; destroyed%n", cfg.name(), timeoutSeconds);
                return EXIT_TIMEOUT;
            }
            out.flush();
            return statusOf(how);
        }
    }

    static int statusOf(DomainExit how) {
        if (how.state() == DomainState.CRASHED) {
            System.err.println("hv: guest crashed: " + how.detail());
            return EXIT_CRASHED;
        }
        return how.sbiReason() == DomainExit.REASON_NONE ? EXIT_OK : EXIT_FAILURE;
    }

    static byte[] readGuest(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new HvCommand.UserError(path + ": no such file");
        } catch (IOException e) {
            throw new HvCommand.UserError(path + ": cannot read: " + e.getMessage());
        }
    }

    static String nameOf(Path path) {
        String n = path.getFileName().toString();
        if (n.endsWith(".elf")) n = n.substring(0, n.length() - 4);
        StringBuilder safe = new StringBuilder(Math.min(DomainConfig.MAX_NAME, n.length()));
        for (int i = 0; i < n.length() && safe.length() < DomainConfig.MAX_NAME; i += Character.charCount(n.codePointAt(i))) {
            safe.append(DomainConfig.isNameChar(n.charAt(i)) ? n.charAt(i) : '_');
        }
        return safe.isEmpty() ? "guest" : safe.toString();
    }
}
