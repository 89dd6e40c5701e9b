package io.hotvisor.control;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The framing: limits that admit every valid payload, and memory that follows the bytes, not the header. */
class ControlProtocolTest {
    @Test
    void theFrameLimitAdmitsTheLargestPayloadBase64EncodedWithItsEnvelope() {
        assertThat(ControlProtocol.MAX_PAYLOAD).isEqualTo(64 << 20);
        assertThat(ControlProtocol.base64Length(ControlProtocol.MAX_PAYLOAD)).isEqualTo(89_478_488);
        assertThat(ControlProtocol.MAX_MESSAGE).isEqualTo(89_478_488 + ControlProtocol.ENVELOPE);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsPayloadTooLargeWithBothSizes() {
        byte[] header = ByteBuffer.allocate(4).putInt(ControlProtocol.MAX_MESSAGE + 1).array();
        assertThatThrownBy(() -> ControlProtocol.readLength(new DataInputStream(new ByteArrayInputStream(header))))
                .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.code()).isEqualTo("PAYLOAD_TOO_LARGE"))
                .hasMessage("payload too large (" + (ControlProtocol.MAX_MESSAGE + 1) + " > " + ControlProtocol.MAX_MESSAGE + " bytes)");
    }

    @Test
    void aNegativeLengthIsReadAsTheUnsignedSizeItClaims() {
        byte[] header = ByteBuffer.allocate(4).putInt(-1).array();
        assertThatThrownBy(() -> ControlProtocol.readLength(new DataInputStream(new ByteArrayInputStream(header))))
                .hasMessageContaining("payload too large (4294967295 > ");
    }

    /** A stream that hands out {@code available} bytes and then says the data ended. */
    private static final class Trickle extends InputStream {
        private int available;
        int largestRead;

        Trickle(int available) {
            this.available = available;
        }

        @Override
        public int read() {
            return available-- > 0 ? '0' : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            largestRead = Math.max(largestRead, b.length);
            if (available <= 0) return -1;
            int n = Math.min(len, available);
            available -= n;
            return n;
        }
    }

    @Test
    void aFrameDeclaringTheMaximumThatSendsLittleCostsOnlyTheInitialBuffer() {
        Trickle stalled = new Trickle(1000);
        assertThatThrownBy(() -> ControlProtocol.readBody(stalled, ControlProtocol.MAX_MESSAGE)).isInstanceOf(EOFException.class);
        assertThat(stalled.largestRead).isEqualTo(ControlProtocol.INITIAL_BUFFER);
    }

    @Test
    void theBufferGrowsWithTheDataUpToTheDeclaredLength() throws Exception {
        byte[] json = ("\"" + "x".repeat(300_000) + "\"").getBytes();
        JsonNode n = ControlProtocol.readBody(new ByteArrayInputStream(json), json.length);
        assertThat(n.asText()).hasSize(300_000);
    }

    @Test
    void encodeRefusesAMessageTheReceiverWouldRefuse() {
        JsonNode huge = ControlProtocol.request("x", ControlProtocol.JSON.createObjectNode()
                .put("payload", "A".repeat(ControlProtocol.MAX_MESSAGE)));
        assertThatThrownBy(() -> ControlProtocol.encode(huge))
                .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.exitStatus()).isEqualTo(1))
                .hasMessageStartingWith("payload too large (");
    }

    @Test
    void aMessageRoundTrips() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ControlProtocol.write(new DataOutputStream(bytes), ControlProtocol.encode(ControlProtocol.request("info", null)));
        JsonNode back = ControlProtocol.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(back.path("command").asText()).isEqualTo("info");
    }

    @Test
    void aFrameCarryingAPayloadAtTheFormatsCapParses() throws Exception {
        String base64 = "A".repeat(ControlProtocol.base64Length(ControlProtocol.MAX_PAYLOAD));
        byte[] frame = ControlProtocol.encode(ControlProtocol.request("livepatch.upload",
                ControlProtocol.JSON.createObjectNode().put("name", "cap").put("payload", base64)));
        JsonNode back = ControlProtocol.readBody(new ByteArrayInputStream(frame), frame.length);
        assertThat(back.path("args").path("payload").asText()).hasSize(base64.length());
    }
}
