package io.hotvisor.runtime.state;

import java.util.Arrays;

/**
 * A snapshot as it crosses from one bundle version to the next: its subsystem and version, read from
 * the JSON, and the JSON bytes themselves, which the importer reads into its own record type.
 *
 * <p>Made by {@link SnapshotCodec#read(byte[])}; the bytes are copied in and out, so it is immutable.
 */
public record EncodedSnapshot(String subsystem, int version, byte[] json) implements Snapshot {
    public EncodedSnapshot {
        if (subsystem == null || subsystem.isBlank()) throw new IllegalArgumentException("a snapshot needs a subsystem name");
        json = json.clone();
    }

    @Override
    public byte[] json() { return json.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedSnapshot e && e.subsystem.equals(subsystem) && e.version == version && Arrays.equals(e.json, json);
    }

    @Override
    public int hashCode() { return 31 * (31 * subsystem.hashCode() + version) + Arrays.hashCode(json); }

    @Override
    public String toString() { return "EncodedSnapshot[" + subsystem + " v" + version + ", " + json.length + " bytes]"; }
}
