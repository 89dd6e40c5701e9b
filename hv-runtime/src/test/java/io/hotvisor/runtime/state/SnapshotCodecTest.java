package io.hotvisor.runtime.state;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshots cross as JSON bytes and are read back by version; the format check comes first. */
class SnapshotCodecTest {
    /** A subsystem's snapshot as its current version writes it. */
    record CounterSnapshot(String subsystem, int version, long count, List<Long> history, String note) implements Snapshot {}

    /** The same subsystem's snapshot as another class (another bundle's class loader would give one). */
    record OtherLoaderCounterSnapshot(String subsystem, int version, long count, List<Long> history, String note) implements Snapshot {}

    private static final SnapshotFormat FORMAT = new SnapshotFormat("counter", 1, 2);

    @Test
    void snapshotRoundTripsThroughBytesExactly() throws Exception {
        CounterSnapshot s = new CounterSnapshot("counter", 2, Long.MAX_VALUE, List.of(-1L, 0L, 7L), "é ✓");
        byte[] bytes = SnapshotCodec.write(s);
        EncodedSnapshot encoded = SnapshotCodec.read(bytes);
        assertThat(encoded.subsystem()).isEqualTo("counter");
        assertThat(encoded.version()).isEqualTo(2);
        assertThat(FORMAT.read(encoded, CounterSnapshot.class)).isEqualTo(s);
        assertThat(SnapshotCodec.write(encoded)).isEqualTo(bytes);
    }

    @Test
    void aRecordOfAnotherClassIsReadThroughItsJson() throws Exception {
        OtherLoaderCounterSnapshot other = new OtherLoaderCounterSnapshot("counter", 2, 5, List.of(5L), null);
        assertThat(FORMAT.read(other, CounterSnapshot.class)).isEqualTo(new CounterSnapshot("counter", 2, 5, List.of(5L), null));
    }

    @Test
    void theOldestSupportedVersionIsReadWithMissingFieldsAsJavaDefaults() throws Exception {
        byte[] v1 = "{\"subsystem\":\"counter\",\"version\":1,\"count\":3}".getBytes(StandardCharsets.UTF_8);
        CounterSnapshot s = FORMAT.read(SnapshotCodec.read(v1), CounterSnapshot.class);
        assertThat(s).isEqualTo(new CounterSnapshot("counter", 1, 3, null, null));
    }

    @Test
    void aNewerVersionIsRefusedNamingBothVersions() throws Exception {
        byte[] v3 = "{\"subsystem\":\"counter\",\"version\":3,\"count\":3}".getBytes(StandardCharsets.UTF_8);
        EncodedSnapshot s = SnapshotCodec.read(v3);
        assertThatThrownBy(() -> FORMAT.read(s, CounterSnapshot.class))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.UNSUPPORTED_VERSION))
                .hasMessageContaining("version 3").hasMessageContaining("version 2");
    }

    @Test
    void aVersionOlderThanTheOldestSupportedIsRefused() {
        SnapshotFormat onlyV3AndV4 = new SnapshotFormat("counter", 3, 4);
        assertThatThrownBy(() -> onlyV3AndV4.read(new CounterSnapshot("counter", 2, 0, List.of(), ""), CounterSnapshot.class))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.UNSUPPORTED_VERSION))
                .hasMessageContaining("version 2").hasMessageContaining("version 3").hasMessageContaining("version 4");
    }

    @Test
    void anotherSubsystemsSnapshotIsRefused() {
        assertThatThrownBy(() -> FORMAT.read(new CounterSnapshot("credit2", 2, 0, List.of(), ""), CounterSnapshot.class))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.WRONG_SUBSYSTEM))
                .hasMessageContaining("credit2").hasMessageContaining("counter");
    }

    @Test
    void bytesWithoutSubsystemAndVersionAreMalformed() {
        for (String json : List.of("[]", "{\"version\":1}", "{\"subsystem\":\"counter\"}", "not json")) {
            assertThatThrownBy(() -> SnapshotCodec.read(json.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.MALFORMED));
        }
    }

    @Test
    void aFieldTheVersionDoesNotKnowIsMalformedNotDropped() throws Exception {
        byte[] json = "{\"subsystem\":\"counter\",\"version\":2,\"count\":3,\"extra\":1}".getBytes(StandardCharsets.UTF_8);
        EncodedSnapshot s = SnapshotCodec.read(json);
        assertThatThrownBy(() -> FORMAT.read(s, CounterSnapshot.class))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.MALFORMED))
                .hasMessageContaining("extra");
    }
}
