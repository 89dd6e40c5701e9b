package io.hotvisor.patch.builder;

import io.hotvisor.patch.format.LivepatchMechanism;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What to build (the options of {@code hvpatch build}).
 *
 * @param repo          the git repository (any directory inside it)
 * @param base          the revision the target host was built from
 * @param head          the revision with the fix; {@code null} when {@code diff} is given
 * @param diff          a diff to apply to {@code base}; {@code null} when {@code head} is given
 * @param name          payload name
 * @param key           private key file ({@code NAME.key} beside {@code NAME.pub}); may be {@code null} for a dry run
 * @param output        payload file to write; may be {@code null} for a dry run
 * @param target        the target host's {@code build-info.json}
 * @param dryRun        classify only, write nothing
 * @param description   metadata, may be {@code null}
 * @param author        metadata, may be {@code null}
 * @param dependsOn     payload build-id this payload stacks on (hex), may be {@code null}
 * @param cacheDir      where base builds are cached
 * @param forceCompiler build even when the running javac differs from the target's (not recommended)
 * @param mavenRepo     local Maven repository holding the dependency jars
 * @param appliedDiffs  diffs the payloads this one stacks on already applied to the host, in order:
 *                      {@code diff} is taken against base plus these (only with {@code diff})
 * @param allowBundleUpdate when the change is more than a JVM can redefine, replace its bundles
 *                      whole (a bundle-update payload) if they are all replaceable; needs the
 *                      distribution's bundle jars in {@code bundles/} beside {@code target}
 * @param mechanism     how the target host applies payloads ({@code --mechanism}): with
 *                      {@link LivepatchMechanism#TRAMPOLINE} a changed class may also add what only a
 *                      trampoline carries, and the payload then requires it
 */
public record BuildRequest(Path repo, String base, String head, Path diff, String name, Path key, Path output,
                           Path target, boolean dryRun, String description, String author, String dependsOn,
                           Path cacheDir, boolean forceCompiler, Path mavenRepo, List<Path> appliedDiffs,
                           boolean allowBundleUpdate, LivepatchMechanism mechanism) {
    /** A request with no applied diffs, for a livepatch only. */
    public BuildRequest(Path repo, String base, String head, Path diff, String name, Path key, Path output,
                        Path target, boolean dryRun, String description, String author, String dependsOn,
                        Path cacheDir, boolean forceCompiler, Path mavenRepo) {
        this(repo, base, head, diff, name, key, output, target, dryRun, description, author, dependsOn, cacheDir,
                forceCompiler, mavenRepo, List.of(), false, LivepatchMechanism.REDEFINE);
    }

    /** A request for a livepatch only. */
    public BuildRequest(Path repo, String base, String head, Path diff, String name, Path key, Path output,
                        Path target, boolean dryRun, String description, String author, String dependsOn,
                        Path cacheDir, boolean forceCompiler, Path mavenRepo, List<Path> appliedDiffs) {
        this(repo, base, head, diff, name, key, output, target, dryRun, description, author, dependsOn, cacheDir,
                forceCompiler, mavenRepo, appliedDiffs, false, LivepatchMechanism.REDEFINE);
    }

    /** A request for the redefine mechanism. */
    public BuildRequest(Path repo, String base, String head, Path diff, String name, Path key, Path output,
                        Path target, boolean dryRun, String description, String author, String dependsOn,
                        Path cacheDir, boolean forceCompiler, Path mavenRepo, List<Path> appliedDiffs,
                        boolean allowBundleUpdate) {
        this(repo, base, head, diff, name, key, output, target, dryRun, description, author, dependsOn, cacheDir,
                forceCompiler, mavenRepo, appliedDiffs, allowBundleUpdate, LivepatchMechanism.REDEFINE);
    }

    /** The same request with bundle updates allowed or not. */
    public BuildRequest withAllowBundleUpdate(boolean allow) {
        return new BuildRequest(repo, base, head, diff, name, key, output, target, dryRun, description, author, dependsOn,
                cacheDir, forceCompiler, mavenRepo, appliedDiffs, allow, mechanism);
    }

    /** The same request for a host that applies payloads with {@code m}. */
    public BuildRequest withMechanism(LivepatchMechanism m) {
        return new BuildRequest(repo, base, head, diff, name, key, output, target, dryRun, description, author, dependsOn,
                cacheDir, forceCompiler, mavenRepo, appliedDiffs, allowBundleUpdate, m);
    }

    /** Checks that exactly one of head and diff is given, and applied diffs only with a diff. */
    public BuildRequest {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(mavenRepo, "mavenRepo");
        Objects.requireNonNull(mechanism, "mechanism");
        if ((head == null) == (diff == null)) {
            throw new IllegalArgumentException("exactly one of head and diff");
        }
        appliedDiffs = List.copyOf(appliedDiffs);
        if (!appliedDiffs.isEmpty() && diff == null) {
            throw new IllegalArgumentException("applied diffs need a diff");
        }
    }

    /** The default cache: {@code $XDG_CACHE_HOME/hotvisor/hvpatch} or {@code ~/.cache/hotvisor/hvpatch}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("hotvisor").resolve("hvpatch");
    }
}
