package io.hotvisor.microcode.cli;

import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeListing;
import io.hotvisor.microcode.ParseMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ucode --list FILE|DIR [--json] [--strict] [--debug]}: lists the microcode updates in a file
 * or in every file of a directory, Intel ones exactly as {@code iucode_tool -L} does (see {@link
 * MicrocodeListing}). A later {@code hvctl} mounts it as a subcommand; {@link #main} runs it alone.
 *
 * <p>Exit statuses: {@value #EXIT_OK} listed; {@value #EXIT_BAD_MICROCODE} a file is not valid
 * microcode (the message names file, offset, update and error code); {@value #EXIT_USAGE} bad
 * arguments (picocli's usage error); {@value #EXIT_IO} a path cannot be read. Errors print one line
 * on stderr, plus the stack trace only with {@code --debug}. Output goes to the picocli
 * {@code CommandLine}'s out and err writers, so a host can capture it.
 */
@Command(name = "ucode",
        description = "List the CPU microcode updates in a file or directory (Intel and AMD).")
public final class UcodeListCommand implements Callable<Integer> {

    /** Listed. */
    public static final int EXIT_OK = 0;
    /** A file is not valid microcode. */
    public static final int EXIT_BAD_MICROCODE = 1;
    /** Bad arguments: picocli's own {@code ExitCode.USAGE}. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    /** A path cannot be read. */
    public static final int EXIT_IO = 3;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-L", "--list"}, required = true, paramLabel = "FILE|DIR",
            description = "Microcode file, or directory whose regular files are listed in sorted order.")
    private Path target;

    @Option(names = "--json", description = "Print the listing as JSON.")
    private boolean json;

    @Option(names = "--strict", description = "Also apply iucode_tool's strict checks to Intel updates.")
    private boolean strict;

    @Option(names = "--debug", description = "Print stack traces of errors.")
    private boolean debug;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    /** Runs {@code ucode} with these arguments and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A {@link CommandLine} for this command; picocli's usage errors exit with {@value #EXIT_USAGE}. */
    public static CommandLine commandLine() {
        return new CommandLine(new UcodeListCommand());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            MicrocodeListing listing = new MicrocodeListing(
                    MicrocodeFiles.read(target, strict ? ParseMode.STRICT : ParseMode.LINUX));
            out.print(json ? listing.toJson() + "\n" : listing.text());
            out.flush();
            return EXIT_OK;
        } catch (MicrocodeFormatException e) {
            return fail(err, e, "ucode: " + e.getMessage()
                    + ": nothing listed; the file is damaged or is not CPU microcode (re-fetch it from the vendor's package)",
                    EXIT_BAD_MICROCODE);
        } catch (NoSuchFileException e) {
            return fail(err, e, "ucode: " + e.getFile() + ": no such file or directory", EXIT_IO);
        } catch (IOException e) {
            return fail(err, e, "ucode: cannot read " + target + ": " + e, EXIT_IO);
        }
    }

    private int fail(PrintWriter err, Exception e, String message, int status) {
        err.println(message);
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return status;
    }
}
