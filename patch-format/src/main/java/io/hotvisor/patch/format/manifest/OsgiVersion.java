package io.hotvisor.patch.format.manifest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OSGi version (OSGi Core R8 §3.2.5) for ordering a bundle entry's {@code from-version} and
 * {@code to-version}: major, minor and micro compared as numbers, then the qualifier with
 * {@link String#compareTo}; a missing number is 0 and a missing qualifier is empty, so {@code 1.0}
 * and {@code 1.0.0} are the same version.
 */
record OsgiVersion(int major, int minor, int micro, String qualifier) implements Comparable<OsgiVersion> {
    /**
     * OSGi Core R8 §3.2.5 {@code major[.minor[.micro[.qualifier]]]}, numbers of at most 9 digits (so
     * they fit an int); the grammar of every version in a manifest.
     */
    static final Pattern FORM =
            Pattern.compile("([0-9]{1,9})(?:\\.([0-9]{1,9})(?:\\.([0-9]{1,9})(?:\\.([A-Za-z0-9_-]+))?)?)?");

    /** @throws IllegalArgumentException if {@code text} is not {@code major[.minor[.micro[.qualifier]]]} */
    static OsgiVersion parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an OSGi version: '" + ManifestRules.printable(text) + "'");
        }
        return new OsgiVersion(number(m.group(1)), number(m.group(2)), number(m.group(3)),
                m.group(4) == null ? "" : m.group(4));
    }

    private static int number(String digits) {
        return digits == null ? 0 : Integer.parseInt(digits); // at most 9 digits: always fits
    }

    @Override
    public int compareTo(OsgiVersion other) {
        int c = Integer.compare(major, other.major);
        if (c == 0) {
            c = Integer.compare(minor, other.minor);
        }
        if (c == 0) {
            c = Integer.compare(micro, other.micro);
        }
        return c != 0 ? c : qualifier.compareTo(other.qualifier);
    }
}
