package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.ClassKind;

import java.util.Objects;

/**
 * One class a {@link PayloadDraft} carries: its new image and what to do with it.
 *
 * @param image          bundle, bundle version, binary class name and the new class-file bytes
 * @param kind           redefine a running class or define a new one
 * @param expectedSha256 for a redefine, the SHA-256 of the bytes expected to be running; {@code null} for a define
 */
public record ClassChange(ClassImage image, ClassKind kind, Sha256 expectedSha256) {

    /** Rejects a {@code null} image or kind; the pairing of kind and expected hash is checked by the writer. */
    public ClassChange {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(kind, "kind");
    }

    /** Replace a running class whose bytes hash to {@code expected}. */
    public static ClassChange redefine(ClassImage image, Sha256 expected) {
        return new ClassChange(image, ClassKind.REDEFINE, Objects.requireNonNull(expected, "expected"));
    }

    /** Define a class the host does not have yet. */
    public static ClassChange define(ClassImage image) {
        return new ClassChange(image, ClassKind.DEFINE, null);
    }
}
