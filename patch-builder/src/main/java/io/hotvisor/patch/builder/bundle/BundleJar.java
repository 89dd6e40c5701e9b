package io.hotvisor.patch.builder.bundle;

import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * A distribution's jar of one bundle, checked to hold exactly the classes the build-info records.
 *
 * @param file        the jar file
 * @param bundle      the build-info's bundle
 * @param replaceable whether its manifest has the {@value BundleJars#REPLACEABLE} header
 * @param patchable   whether its manifest says {@value BundleJars#PATCHABLE}{@code : true} (a trampoline host weaves it)
 * @param entries     the jar's entries in their order, folders included
 */
record BundleJar(Path file, BuildInfo.Bundle bundle, boolean replaceable, boolean patchable, List<JarRewrite.Entry> entries) {
    /** Copies the list. */
    BundleJar {
        entries = List.copyOf(entries);
    }
}
