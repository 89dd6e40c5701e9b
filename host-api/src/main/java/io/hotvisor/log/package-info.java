/**
 * The host's loggers: {@link io.hotvisor.log.HostLog} names a {@link java.lang.System.Logger} that
 * starts the platform's logging machinery only when a message is actually logged, so a process that
 * logs nothing (an {@code hv run} of a well-behaved guest) does not pay for it at start-up.
 */
package io.hotvisor.log;
