/**
 * The command-line face of the microcode library: {@link io.hotvisor.microcode.cli.UcodeListCommand},
 * the picocli command behind {@code hvctl ucode --list FILE|DIR [--json]}, also runnable on its own
 * through its {@code main}. It prints, it never loads: loading is the host's.
 */
package io.hotvisor.microcode.cli;
