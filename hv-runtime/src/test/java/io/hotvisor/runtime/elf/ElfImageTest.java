package io.hotvisor.runtime.elf;

import io.hotvisor.runtime.host.SampleGuests;
import io.hotvisor.runtime.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElfImageTest {
    private static final byte[] VALID = new TinyElf().li(TinyElf.A0, 42).spin().build();

    @ParameterizedTest
    @ValueSource(strings = {"hello", "sha256", "primes", "counter", "traps", "fault", "ping", "pong"})
    void everySampleGuestParsesWithItsEntryAtTheOpenSbiJumpAddress(String guest) throws Exception {
        ElfImage image = ElfImage.parse(SampleGuests.image(guest));
        assertThat(image.entry()).isEqualTo(0x8020_0000L);
        assertThat(image.segments()).isNotEmpty();
    }

    @Test
    void loadingCopiesSegmentBytesToTheirAddress() throws Exception {
        GuestMemory mem = new GuestMemory(4 << 20);
        ElfImage.parse(VALID).load(VALID, mem);
        assertThat(mem.load32(TinyElf.LOAD_ADDRESS)).isEqualTo(0x02a00513); // addi a0, zero, 42
    }

    @Test
    void tooShortFileIsRefused() {
        assertRefused(new byte[10], "too short");
    }

    @Test
    void badMagicIsRefused() {
        assertRefused(mutate(b -> b.put(0, (byte) 0)), "not an ELF file");
    }

    @Test
    void thirtyTwoBitElfIsRefused() {
        assertRefused(mutate(b -> b.put(4, (byte) 1)), "not a 64-bit ELF");
    }

    @Test
    void bigEndianElfIsRefused() {
        assertRefused(mutate(b -> b.put(5, (byte) 2)), "not a little-endian");
    }

    @Test
    void otherMachineIsRefused() {
        assertRefused(mutate(b -> b.putShort(18, (short) 62)), "not a RISC-V executable (e_machine 62)");
    }

    @Test
    void sharedObjectIsRefused() {
        assertRefused(mutate(b -> b.putShort(16, (short) 3)), "not a statically linked executable");
    }

    @Test
    void programHeadersOutsideTheFileAreRefused() {
        assertRefused(mutate(b -> b.putLong(32, 1L << 40)), "program header table lies outside the file");
    }

    @Test
    void segmentBytesOutsideTheFileAreRefused() {
        assertRefused(mutate(b -> b.putLong(64 + 32, 1 << 20).putLong(64 + 40, 1 << 20)), "bytes lie outside the file");
    }

    @Test
    void fileSizeLargerThanMemorySizeIsRefused() {
        assertRefused(mutate(b -> b.putLong(64 + 40, 1)), "exceeds memory size");
    }

    @Test
    void noLoadableSegmentIsRefused() {
        assertRefused(mutate(b -> b.putInt(64, 4)), "no loadable");
    }

    @Test
    void segmentOutsideGuestRamIsRefusedAtLoad() throws Exception {
        byte[] file = mutate(b -> b.putLong(64 + 24, 0x1000));
        ElfImage image = ElfImage.parse(file);
        assertThatThrownBy(() -> image.load(file, new GuestMemory(4 << 20)))
                .isInstanceOf(ElfFormatException.class).hasMessageContaining("does not fit guest RAM");
    }

    @Test
    void entryOutsideGuestRamIsRefusedAtLoad() throws Exception {
        byte[] file = mutate(b -> b.putLong(24, 0x10));
        ElfImage image = ElfImage.parse(file);
        assertThatThrownBy(() -> image.load(file, new GuestMemory(4 << 20)))
                .isInstanceOf(ElfFormatException.class).hasMessageContaining("entry point 0x10 lies outside guest RAM");
    }

    private static byte[] mutate(Consumer<ByteBuffer> change) {
        byte[] copy = VALID.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    private static void assertRefused(byte[] file, String message) {
        assertThatThrownBy(() -> ElfImage.parse(file)).isInstanceOf(ElfFormatException.class).hasMessageContaining(message);
    }
}
