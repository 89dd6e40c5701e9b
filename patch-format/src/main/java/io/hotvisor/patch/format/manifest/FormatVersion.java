package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The payload format version, {@code MAJOR.MINOR} (README, "Version policy"). A reader accepts
 * every minor version of its own major; a newer minor may add optional fields, which an older
 * reader ignores. A different major version is refused.
 *
 * @param major incompatible changes bump it
 * @param minor compatible additions bump it
 */
public record FormatVersion(int major, int minor) implements Comparable<FormatVersion> {
    /**
     * The newest version this code reads fully. The writer declares the oldest version that can
     * express a payload ({@link PayloadKind#formatVersion()}, {@link Requirement#formatVersion()}),
     * so a livepatch payload that requires nothing still says 1.0.
     */
    public static final FormatVersion CURRENT = new FormatVersion(1, 2);

    private static final Pattern FORM = Pattern.compile("(0|[1-9][0-9]{0,4})\\.(0|[1-9][0-9]{0,4})");

    /** @throws IllegalArgumentException if a component is negative */
    public FormatVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("negative format version " + major + "." + minor);
        }
    }

    /**
     * Parses {@code MAJOR.MINOR} (decimal, no leading zeros, at most 5 digits each).
     *
     * @throws IllegalArgumentException if {@code text} is not in that form
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static FormatVersion parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("format version must be MAJOR.MINOR like '1.0', not '"
                    + (text == null ? "null" : text) + "'");
        }
        return new FormatVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public int compareTo(FormatVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @JsonValue
    @Override
    public String toString() {
        return major + "." + minor;
    }
}
