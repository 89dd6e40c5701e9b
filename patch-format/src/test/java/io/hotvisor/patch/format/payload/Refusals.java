package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Asserts that an action is refused with one specific code. */
public final class Refusals {
    private Refusals() {
    }

    /** Runs {@code action}, asserts it throws a {@link PayloadException} with {@code code}, returns it. */
    public static PayloadException assertRefused(PayloadError code, Executable action) {
        PayloadException e = assertThrows(PayloadException.class, action);
        assertEquals(code, e.error(), () -> "expected " + code + " but got " + e.error() + ": " + e.getMessage());
        return e;
    }
}
