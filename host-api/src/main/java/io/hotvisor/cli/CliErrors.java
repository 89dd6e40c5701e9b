package io.hotvisor.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * How every Hotvisor command line tool reports a failure: exactly one line on its error stream,
 * {@code TOOL: error CODE: message} (and {@code ; hint} when the error has one), the error's exit
 * status, and the stack trace only when the operator asked with {@code --debug}. An exception that
 * is not a {@link HotvisorException} is a bug of the tool: it is reported as an internal error
 * that asks for a report, never as a stack trace on the console.
 */
public final class CliErrors {
    private CliErrors() {
    }

    /**
     * Reports {@code e} for {@code tool} on {@code err} and returns the exit status.
     *
     * @param internalStatus the status for an exception that is not a {@link HotvisorException}
     */
    public static int report(String tool, Throwable e, boolean debug, PrintWriter err, int internalStatus) {
        int status;
        if (e instanceof HotvisorException h) {
            String hint = h.hint();
            err.println(tool + ": error" + (h.errorCode() == null ? "" : " " + h.errorCode()) + ": " + oneLine(h.getMessage())
                    + (hint == null ? "" : "; " + oneLine(hint)));
            status = h.exitStatus();
        } else {
            err.println(tool + ": internal error: " + oneLine(String.valueOf(e))
                    + (debug ? "" : "; rerun with --debug and report it"));
            status = internalStatus;
        }
        if (debug) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            err.print(trace);
        }
        err.flush();
        return status;
    }

    /** Reports a usage error: one line, and where to read the usage. Returns {@code status}. */
    public static int usage(String tool, String message, String helpCommand, PrintWriter err, int status) {
        err.println(tool + ": error: " + oneLine(message) + " (see '" + helpCommand + " --help')");
        err.flush();
        return status;
    }

    /** A message on one line: line breaks and the white space around them become one space. */
    public static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
