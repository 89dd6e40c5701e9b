/**
 * The {@code hvpatch} command line (picocli): {@link io.hotvisor.patch.format.cli.Hvpatch} is the
 * top-level command with {@code keygen}, {@code inspect} and {@code verify}; other modules add their
 * own subcommands (the patch builder adds {@code build}) to {@link io.hotvisor.patch.format.cli.Hvpatch#commandLine()}
 * and inherit its error handling: one {@code hvpatch: error: ...} line on stderr, exit 1 for a
 * refused payload, 2 for a usage error or unusable input, a stack trace only with {@code --debug}.
 */
package io.hotvisor.patch.format.cli;
