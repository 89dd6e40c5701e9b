package io.hotvisor.runtime.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads the ordinary shapes of {@code hv run} without picocli, whose model of the commands is built
 * by reflection at every start and costs more than booting the host: {@code run}, then the options
 * {@link RunCommand} declares, each at most once ({@code --name value} or {@code --name=value}),
 * and one guest path. Anything else (help, version, {@code --debug}, an unknown or repeated option,
 * a value that does not parse, a second path) returns null, and picocli reads the command line,
 * with its own messages; so this never accepts what picocli would refuse, nor reads an option
 * differently.
 */
final class QuickRun {
    private QuickRun() {
    }

    /** The command to run, with every option set as picocli would set it; null when picocli must read {@code args}. */
    static RunCommand parse(String... args) {
        if (args.length < 2 || !args[0].equals("run")) {
            return null;
        }
        RunCommand run = RunCommand.withDefaults();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--verbose")) {
                if (!seen.add(a)) {
                    return null;
                }
                run.verbose = true;
                continue;
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a : a.substring(0, eq);
                String value = eq >= 0 ? a.substring(eq + 1) : ++i < args.length ? args[i] : null;
                if (value == null || value.isEmpty() || value.startsWith("-") || !seen.add(name) || !set(run, name, value)) {
                    return null;
                }
                continue;
            }
            if (a.startsWith("-") || run.guest != null) {
                return null;
            }
            try {
                run.guest = Path.of(a);
            } catch (InvalidPathException e) {
                return null;
            }
        }
        return run.guest == null ? null : run;
    }

    private static boolean set(RunCommand run, String name, String value) {
        try {
            switch (name) {
                case "--vcpus" -> run.vcpus = Integer.parseInt(value);
                case "--mem" -> run.memory = value;
                case "--timeout" -> run.timeoutSeconds = Double.valueOf(value);
                case "--topology" -> run.topology = value;
                case "--sched-gran" -> run.schedGran = value;
                case "--engine" -> run.engine = value;
                case "--translate-after" -> run.translateAfter = Integer.parseInt(value);
                default -> {
                    return false;
                }
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
