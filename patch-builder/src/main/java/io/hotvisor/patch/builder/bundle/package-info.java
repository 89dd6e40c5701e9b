/**
 * Bundle updates: when a change is more than a running JVM can redefine (a new field, a new
 * method, a changed hierarchy), a bundle that declares {@code Hotvisor-Replaceable} can instead be
 * replaced whole, its state moved over by the factory that header names.
 *
 * <pre>
 *  build-info.json + bundles/*.jar ──BundleJars────► each bundle's jar, its classes checked against the build-info
 *  verdicts, deleted classes      ──BundleUpdates──► which bundles; refused unless all are replaceable
 *  jar + head classes             ──JarRewrite─────► new jar: the bundle's packages' classes replaced, all else kept
 *                                 ──UpdateVersion──► from-version + qualifier "u" + 8 hex of the new classes' digest
 *                                 ──ManifestText───► Bundle-Version set, every other manifest byte kept
 * </pre>
 *
 * The same inputs give byte-identical jars: entries stored, at one fixed time, in the old jar's
 * order with new classes appended in name order.
 */
package io.hotvisor.patch.builder.bundle;
