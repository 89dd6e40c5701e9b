package io.hotvisor.runtime.host;

/**
 * The hypervisor's version strings, as {@code hvctl info} shows them. {@link #extraVersion()} is
 * deliberately a method: it is what the {@code hello-world} live patch changes (Xen's own first
 * test payload changes {@code xen_extra_version()} the same way).
 */
public final class Version {
    private Version() {}

    public static String version() {
        return "0.1.0";
    }

    public static String extraVersion() {
        return "-hv";
    }
}
