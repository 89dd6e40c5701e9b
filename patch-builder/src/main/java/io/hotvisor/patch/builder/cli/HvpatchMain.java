package io.hotvisor.patch.builder.cli;

import io.hotvisor.patch.format.cli.Hvpatch;
import picocli.CommandLine;

/** {@code hvpatch} with every subcommand: patch-format's keygen, inspect, verify, and {@code build}. */
public final class HvpatchMain {
    private HvpatchMain() {
    }

    /** The full command line. */
    public static CommandLine commandLine() {
        return Hvpatch.commandLine().addSubcommand("build", new BuildCommand());
    }

    /** Runs {@code hvpatch} and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
