package io.hotvisor.patch.builder;

import java.util.List;
import java.util.Objects;

/**
 * A build that cannot give a payload, with a stable {@link BuildError} code and one message that
 * names what was wrong and what to do. {@link #details()} holds extra lines (compiler messages,
 * one refusal per offending member) for the CLI to print before the message.
 */
public final class BuildException extends Exception {
    private static final long serialVersionUID = 1L;

    private final BuildError error;
    private final transient List<String> details;
    private final transient List<String> bundleUpdate;

    /** A failure without detail lines. */
    public BuildException(BuildError error, String message) {
        this(error, message, List.of(), null);
    }

    /** A failure with a cause. */
    public BuildException(BuildError error, String message, Throwable cause) {
        this(error, message, List.of(), cause);
    }

    /** A failure with detail lines. */
    public BuildException(BuildError error, String message, List<String> details, Throwable cause) {
        this(error, message, details, cause, List.of());
    }

    /**
     * A refusal that {@code --allow-bundle-update} would have turned into a payload replacing
     * {@code bundleUpdate} (bundle symbolic names).
     */
    public BuildException(BuildError error, String message, List<String> details, Throwable cause, List<String> bundleUpdate) {
        super(message, cause);
        this.error = Objects.requireNonNull(error, "error");
        this.details = List.copyOf(details);
        this.bundleUpdate = List.copyOf(bundleUpdate);
    }

    /** The stable code. */
    public BuildError error() {
        return error;
    }

    /** Lines to print before the message; may be empty. */
    public List<String> details() {
        return details;
    }

    /**
     * For a refusal: the bundles a bundle update of the same change would replace, when
     * {@code --allow-bundle-update} would have built one (every touched bundle is replaceable);
     * empty otherwise.
     */
    public List<String> bundleUpdate() {
        return bundleUpdate;
    }
}
