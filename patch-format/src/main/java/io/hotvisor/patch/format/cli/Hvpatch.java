package io.hotvisor.patch.format.cli;

import io.hotvisor.cli.CliErrors;
import io.hotvisor.cli.ExitStatus;

import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.FormatVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * The top-level {@code hvpatch} command. Build it with {@link #commandLine()}, add subcommands from
 * other modules with {@link CommandLine#addSubcommand(String, Object)}, then
 * {@link CommandLine#execute(String...)}; the exit status is the return value.
 *
 * <p>Exit statuses: 0 success; 1 the payload was refused (a {@link PayloadException} whose code is a
 * payload fault) or an internal error; 2 a usage error or unusable input (bad key file, trust
 * directory, path). A subcommand reports user errors by throwing {@link PayloadException}; the
 * handler here prints its message as the one {@code hvpatch: error: ...} line.
 */
@Command(name = "hvpatch", mixinStandardHelpOptions = true,
        versionProvider = Hvpatch.Version.class,
        description = "Build, inspect and verify Hotvisor live-patch payloads (.hvp).",
        subcommands = {KeygenCommand.class, InspectCommand.class, VerifyCommand.class, CommandLine.HelpCommand.class})
public final class Hvpatch implements Callable<Integer> {
    /** Exit status of success. */
    public static final int OK = ExitStatus.OK;
    /** Exit status of a refused payload. */
    public static final int REFUSED = ExitStatus.ERROR;
    /** Exit status of a usage error or unusable input. */
    public static final int USAGE = ExitStatus.HVPATCH_USAGE;

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    /** Runs {@code hvpatch} and exits the JVM with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A fresh {@code hvpatch} command line with Hotvisor's error handling installed. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Hvpatch());
        cl.setParameterExceptionHandler(Hvpatch::usageError);
        cl.setExecutionExceptionHandler(Hvpatch::executionError);
        return cl;
    }

    /** {@code hvpatch} alone: show usage and fail, so scripts notice the missing subcommand. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("hvpatch: error: " + oneLine(e.getMessage()) + " (see '"
                + cl.getCommandSpec().qualifiedName() + " --help')");
        cl.getErr().flush();
        return USAGE;
    }

    private static int executionError(Exception e, CommandLine cl, ParseResult parsed) {
        return CliErrors.report("hvpatch", e, debugRequested(parsed), cl.getErr(), REFUSED);
    }

    private static boolean debugRequested(ParseResult parsed) {
        for (ParseResult at = parsed; at != null; at = at.subcommand()) {
            if (at.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    static String oneLine(String message) {
        return CliErrors.oneLine(message);
    }

    /** {@code hvpatch --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hvpatch (Hotvisor payload format " + FormatVersion.CURRENT + ")"};
        }
    }
}
