/** The {@code hv} command: {@code hv run} for one guest, {@code hv demo} for the sample guests. */
package io.hotvisor.runtime.cli;
