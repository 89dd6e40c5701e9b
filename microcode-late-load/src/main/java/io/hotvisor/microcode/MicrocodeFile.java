package io.hotvisor.microcode;

import io.hotvisor.microcode.amd.AmdContainer;
import io.hotvisor.microcode.intel.IntelMicrocodeUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One microcode file, read and checked whole: an Intel bundle (updates back to back) or an AMD
 * file (containers). Immutable.
 *
 * @param path the path as it is shown (for a file in a listed directory: the directory as given,
 *     then the file name)
 * @param vendor which format the file is in
 * @param intelUpdates the updates of an Intel file; empty for AMD
 * @param amdContainers the containers of an AMD file; empty for Intel
 */
public record MicrocodeFile(String path, Vendor vendor, List<IntelMicrocodeUpdate> intelUpdates,
        List<AmdContainer> amdContainers) {

    /**
     * Copies the lists.
     *
     * @throws IllegalArgumentException when the list of the other vendor is not empty
     */
    public MicrocodeFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(vendor, "vendor");
        intelUpdates = List.copyOf(intelUpdates);
        amdContainers = List.copyOf(amdContainers);
        if (vendor == Vendor.INTEL ? !amdContainers.isEmpty() : !intelUpdates.isEmpty()) {
            throw new IllegalArgumentException(path + ": a " + vendor + " file holds only " + vendor + " updates");
        }
    }

    /** Every update of the file, in file order: Intel updates, or the patches of all AMD containers. */
    public List<MicrocodeUpdate> updates() {
        List<MicrocodeUpdate> all = new ArrayList<>(intelUpdates);
        for (AmdContainer c : amdContainers) {
            all.addAll(c.patches());
        }
        return List.copyOf(all);
    }
}
