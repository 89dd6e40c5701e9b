package io.hotvisor.launcher;

/** A reason the host cannot start that the operator can fix; the message says which. */
final class LaunchException extends Exception {
    LaunchException(String message) {
        super(message);
    }
}
