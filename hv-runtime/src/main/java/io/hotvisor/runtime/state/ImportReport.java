package io.hotvisor.runtime.state;

import java.util.List;

/**
 * What an import did: the subsystem, the version it read and the version it is now, and what it
 * skipped (a domain that no longer exists, a link whose other end was not imported), one line each.
 */
public record ImportReport(String subsystem, int fromVersion, int toVersion, List<String> skipped) {
    public ImportReport {
        skipped = List.copyOf(skipped);
    }
}
