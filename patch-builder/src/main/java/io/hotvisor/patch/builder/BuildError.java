package io.hotvisor.patch.builder;

/**
 * Why {@code hvpatch build} could not make a payload. Stable codes; {@link #exitStatus()} is the
 * CLI's exit status: 1 when the change itself cannot become a payload, 2 when the caller's inputs
 * (repository, revision, diff, key, target, environment) are unusable.
 */
public enum BuildError {
    /** The directory is not a git repository. */
    BAD_REPOSITORY(2),
    /** A revision does not name a commit. */
    BAD_REVISION(2),
    /** The diff cannot be parsed or does not apply to the base. */
    BAD_DIFF(2),
    /** The target build-info file cannot be read. */
    BAD_TARGET(2),
    /** The signing key cannot be read. */
    BAD_KEY(2),
    /** The running JDK's javac differs from the one that built the target. */
    COMPILER_MISMATCH(2),
    /** A dependency jar of the target build is not in the local Maven repository. */
    MISSING_DEPENDENCY(2),
    /** A file could not be read or written. */
    IO_ERROR(2),
    /** A revision does not compile. */
    COMPILE_FAILED(1),
    /** The base revision does not rebuild the classes the target runs. */
    TARGET_MISMATCH(1),
    /** The change has no effect on bytecode. */
    NOTHING_TO_PATCH(1),
    /** The change holds something a running JVM cannot take. */
    REFUSED(1);

    private final int exitStatus;

    BuildError(int exitStatus) {
        this.exitStatus = exitStatus;
    }

    /** The {@code hvpatch} exit status for this error. */
    public int exitStatus() {
        return exitStatus;
    }
}
