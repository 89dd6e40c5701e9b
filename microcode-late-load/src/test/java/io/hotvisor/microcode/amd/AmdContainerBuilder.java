package io.hotvisor.microcode.amd;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds AMD microcode containers in code, valid by default, in the layout Linux's {@code amd.c}
 * reads: magic, equivalence table section (with its terminating zero entry), patch sections.
 */
public final class AmdContainerBuilder {

    private final List<int[]> equivalences = new ArrayList<>();
    private final List<byte[]> patches = new ArrayList<>();
    private boolean terminator = true;

    /** Adds an equivalence table entry. */
    public AmdContainerBuilder equivalence(int installedCpu, int equivalenceId) {
        equivalences.add(new int[] {installedCpu, equivalenceId});
        return this;
    }

    /** Leaves out the terminating zero entry. */
    public AmdContainerBuilder withoutTerminator() {
        terminator = false;
        return this;
    }

    /** Adds a patch section with a {@code size}-byte patch. */
    public AmdContainerBuilder patch(int patchId, int processorRevId, int dataCode, int size) {
        return patch(patchId, processorRevId, dataCode, size, 0, 0);
    }

    /** Adds a patch section naming north and south bridge device ids. */
    public AmdContainerBuilder patch(int patchId, int processorRevId, int dataCode, int size, int nbDevId, int sbDevId) {
        ByteBuffer p = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        p.putInt(0, dataCode);
        p.putInt(4, patchId);
        p.putShort(8, (short) 0x8005);
        p.putInt(16, nbDevId);
        p.putInt(20, sbDevId);
        p.putShort(24, (short) processorRevId);
        for (int i = 64; i < size; i++) {
            p.put(i, (byte) (i * 13));
        }
        patches.add(p.array());
        return this;
    }

    /** The container's bytes. */
    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int entries = equivalences.size() + (terminator ? 1 : 0);
        ByteBuffer head = le(12 + 16 * entries);
        head.putInt(AmdContainerParser.MAGIC).putInt(0).putInt(16 * entries);
        for (int[] e : equivalences) {
            head.putInt(e[0]).putInt(0).putInt(0).putShort((short) e[1]).putShort((short) 0);
        }
        out.writeBytes(head.array());
        for (byte[] p : patches) {
            out.writeBytes(le(8).putInt(1).putInt(p.length).array());
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
