package io.hotvisor.patch.applier;

import java.util.List;

/**
 * The payload table at one moment.
 *
 * @param version    changes on every upload and unload, so a caller can tell its listing is stale
 *                   (Xen's list version)
 * @param inProgress the action running now ("apply NAME"), or {@code null}
 * @param payloads   every uploaded payload, in upload order
 * @param applied    names of the applied stack, bottom first
 * @param watching   the payload whose health watch is running, or {@code null}
 * @param degraded   why the agent is DEGRADED (it refuses actions until recovered), or {@code null}
 */
public record Listing(long version, String inProgress, List<PayloadStatus> payloads, List<String> applied,
                      String watching, String degraded) {
    public Listing {
        payloads = List.copyOf(payloads);
        applied = List.copyOf(applied);
    }
}
