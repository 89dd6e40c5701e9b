package io.hotvisor.runtime.sbi;

import io.hotvisor.runtime.domain.Domain;

/** How hypercalls find other domains: the host's live-domain table. */
public interface DomainDirectory {
    /** The live domain with this id, or null. */
    Domain byId(long id);

    /** The live domain with this name, or null. */
    Domain byName(String name);
}
