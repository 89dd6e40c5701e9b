package io.hotvisor.patch.builder.bundle;

import io.hotvisor.patch.format.Sha256;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of a replaced bundle: its version with the qualifier extended by {@code u} and the
 * first 8 hex digits of its new classes' digest ({@link JarRewrite#classDigest}). {@code 0.1.0}
 * becomes {@code 0.1.0.u1a2b3c4d} and {@code 0.1.0.beta} becomes {@code 0.1.0.betau1a2b3c4d}; both
 * are greater in OSGi order (OSGi Core R8 §3.2.5: equal numbers, and a qualifier sorts after its
 * own prefix), and the same classes always give the same version. Stateless.
 */
final class UpdateVersion {
    /** OSGi Core R8 §3.2.5 {@code major[.minor[.micro[.qualifier]]]}, as patch-format checks it. */
    private static final Pattern FORM =
            Pattern.compile("([0-9]{1,9})(?:\\.([0-9]{1,9})(?:\\.([0-9]{1,9})(?:\\.([A-Za-z0-9_-]+))?)?)?");

    private UpdateVersion() {
    }

    /**
     * The to-version for {@code from}, missing numbers written as 0.
     *
     * @throws IllegalArgumentException if {@code from} is not an OSGi version
     */
    static String of(String from, Sha256 classes) {
        Matcher m = FORM.matcher(from);
        if (!m.matches()) {
            throw new IllegalArgumentException("bundle version '" + from + "' is not an OSGi version major[.minor[.micro[.qualifier]]]");
        }
        return m.group(1) + "." + orZero(m.group(2)) + "." + orZero(m.group(3)) + "."
                + (m.group(4) == null ? "" : m.group(4)) + "u" + classes.hex().substring(0, 8);
    }

    private static String orZero(String number) {
        return number == null ? "0" : number;
    }
}
