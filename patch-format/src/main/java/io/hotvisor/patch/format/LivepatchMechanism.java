package io.hotvisor.patch.format;

import io.hotvisor.patch.format.manifest.Requirement;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a host applies a livepatch's classes: the value of {@code host.cfg}'s
 * {@code livepatch-mechanism} and of {@code hvpatch build --mechanism}, so the builder and the host
 * speak of the same two things.
 */
public enum LivepatchMechanism {
    /** JVMTI {@code RedefineClasses}: method bodies only (what {@code hvpatch build} builds for by default). */
    REDEFINE("redefine"),
    /**
     * Woven prologues flipped to new bodies in hidden nestmates ({@link TrampolineMembers}); what a
     * trampoline cannot carry is still redefined (a host's default). Provides {@link Requirement#TRAMPOLINE}.
     */
    TRAMPOLINE("trampoline");

    private final String configName;

    LivepatchMechanism(String configName) {
        this.configName = configName;
    }

    /** The spelling in {@code host.cfg} and on the command line. */
    public String configName() {
        return configName;
    }

    /** Whether a host applying payloads this way can apply one that lists {@code requirement}. */
    public boolean provides(Requirement requirement) {
        return requirement == Requirement.TRAMPOLINE && this == TRAMPOLINE;
    }

    /**
     * The mechanism spelled {@code text} ({@code redefine} or {@code trampoline}, any case).
     *
     * @throws IllegalArgumentException naming the mechanisms there are
     */
    public static LivepatchMechanism parse(String text) {
        for (LivepatchMechanism m : values()) {
            if (m.configName.equals(text == null ? null : text.strip().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a livepatch mechanism (" + Arrays.stream(values())
                .map(LivepatchMechanism::configName).collect(Collectors.joining(" or ")) + ")");
    }

    @Override
    public String toString() {
        return configName;
    }
}
