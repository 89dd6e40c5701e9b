package io.hotvisor.runtime.state;

/**
 * What an importer reads: one subsystem's snapshots from {@code oldestVersion} to {@code version}
 * (its own). Erlang's release handler calls {@code code_change(OldVsn, State, Extra)} with the old
 * version of the state; here the old version is the previous snapshot format, and anything else is
 * refused before the importer changes anything.
 *
 * @param subsystem     the name every snapshot of this format carries
 * @param oldestVersion the oldest version the importer upgrades from, usually {@code version - 1}
 * @param version       the version the exporter writes
 */
public record SnapshotFormat(String subsystem, int oldestVersion, int version) {
    public SnapshotFormat {
        if (subsystem == null || subsystem.isBlank()) throw new IllegalArgumentException("a snapshot format needs a subsystem name");
        if (oldestVersion < 1 || oldestVersion > version) {
            throw new IllegalArgumentException("versions must satisfy 1 <= oldest <= current, got " + oldestVersion + " and " + version);
        }
    }

    /**
     * Checks {@code from}'s subsystem and version, then reads it as {@code type}: directly when it
     * already is one (the same class loader), otherwise through its JSON (another bundle's record, or
     * an {@link EncodedSnapshot}). Fields the older version lacks read as Java defaults (null, 0,
     * false); the importer replaces them with its documented defaults.
     *
     * @throws StateTransferException WRONG_SUBSYSTEM, UNSUPPORTED_VERSION (naming both versions) or MALFORMED
     */
    public <T extends Snapshot> T read(Snapshot from, Class<T> type) throws StateTransferException {
        if (from == null) throw new StateTransferException(StateTransferException.Code.MALFORMED, "no " + subsystem + " snapshot to import");
        if (!subsystem.equals(from.subsystem())) {
            throw new StateTransferException(StateTransferException.Code.WRONG_SUBSYSTEM,
                    "a '" + from.subsystem() + "' snapshot cannot be imported by the " + subsystem + " subsystem");
        }
        int v = from.version();
        if (v > version) {
            throw new StateTransferException(StateTransferException.Code.UNSUPPORTED_VERSION,
                    subsystem + " snapshot version " + v + " is newer than this importer's version " + version
                            + "; import it with a build that knows version " + v);
        }
        if (v < oldestVersion) {
            throw new StateTransferException(StateTransferException.Code.UNSUPPORTED_VERSION,
                    subsystem + " snapshot version " + v + " is older than version " + oldestVersion + ", the oldest this importer (version "
                            + version + ") upgrades from; update through the versions in between");
        }
        if (type.isInstance(from)) return type.cast(from);
        byte[] json = from instanceof EncodedSnapshot e ? e.json() : SnapshotCodec.write(from);
        return SnapshotCodec.decode(json, type);
    }
}
