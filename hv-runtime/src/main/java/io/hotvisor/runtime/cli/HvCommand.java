package io.hotvisor.runtime.cli;

import io.hotvisor.cli.CliErrors;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code hv}: the hypervisor's own command. {@code hv run} boots a minimal host with one guest
 * (like {@code qemu-system-riscv64 -kernel}); {@code hv demo} boots a host with the sample guests.
 */
@Command(name = "hv", mixinStandardHelpOptions = true, version = "hv 0.1.0",
        description = "Run RISC-V guests on the Hotvisor hypervisor.",
        subcommands = {RunCommand.class, DemoCommand.class})
public final class HvCommand implements Runnable {
    /** A bug of hv itself (sysexits' EX_SOFTWARE); the line asks for a report. */
    static final int INTERNAL_ERROR = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of internal errors.")
    boolean debug;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use 'hv run GUEST.elf' or 'hv demo'");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line and returns its exit status; user errors print one line, no stack trace.
     * An ordinary {@code hv run} line skips picocli ({@link QuickRun}); the rest goes through it.
     */
    public static int execute(String... args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %5$s%6$s%n");
        }
        RunCommand quick = QuickRun.parse(args);
        if (quick != null) {
            PrintWriter err = new PrintWriter(System.err, true);
            try {
                return quick.call();
            } catch (Exception ex) {
                return failed(ex, false, err);
            } finally {
                err.flush();
            }
        }
        CommandLine cl = new CommandLine(new HvCommand());
        cl.setExecutionExceptionHandler((ex, line, parse) -> failed(ex,
                line.getCommandSpec().root().userObject() instanceof HvCommand h && h.debug, line.getErr()));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("hv: error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'hv --help' for usage.");
            return RunCommand.EXIT_USAGE;
        });
        return cl.execute(args);
    }

    /** What a command's failure prints and the exit status it gives. */
    private static int failed(Exception ex, boolean debug, PrintWriter err) {
        if (ex instanceof UserError || ex instanceof IllegalArgumentException) {
            err.println("hv: error: " + CliErrors.oneLine(ex.getMessage()));
            return RunCommand.EXIT_USAGE;
        }
        return CliErrors.report("hv", ex, debug, err, INTERNAL_ERROR);
    }

    /** A mistake the user can fix; its message says how. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
