package io.hotvisor.patch.applier;

import java.time.Instant;

/**
 * Something the agent tells the host log ({@code dmesg}): every completed or failed action, and
 * above all automatic rollbacks with their reason.
 *
 * @param time    when
 * @param level   how serious
 * @param name    the payload concerned, or {@code null}
 * @param message one line for an operator
 */
public record LivepatchEvent(Instant time, System.Logger.Level level, String name, String message) {
    @Override
    public String toString() {
        return "livepatch: " + (name == null ? "" : name + ": ") + message;
    }
}
