/**
 * The error and command line contract every Hotvisor tool shares: {@link io.hotvisor.cli.HotvisorException}
 * (code, message, hint, exit status), the exit statuses, and {@link io.hotvisor.cli.CliErrors}, which
 * prints one line per failure and a stack trace only with {@code --debug}.
 */
package io.hotvisor.cli;
