package io.hotvisor.patch.format.payload;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Zip bombs built in code, never committed. Deflate cannot compress better than about 1032:1,
 * so a single stream that inflates to 1 GiB is about 1 MiB; it is made here without deflating a
 * GiB: one MiB of zeros is compressed with a full flush (which resets the compressor, so every
 * further MiB compresses to the same bytes), the block is repeated 1024 times, and a final empty
 * block ends the stream.
 */
final class ZipBombs {
    static final long GIB = 1L << 30;
    private static final int MIB = 1 << 20;
    private static byte[] gibOfZeros;

    private ZipBombs() {
    }

    /** A raw deflate stream that inflates to exactly 1 GiB of zeros (built once, about 1 MiB). */
    static synchronized byte[] deflatedGibOfZeros() {
        if (gibOfZeros == null) {
            Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
            byte[] block = flush(deflater, new byte[MIB]);
            byte[] again = flush(deflater, new byte[MIB]);
            if (!Arrays.equals(block, again)) {
                throw new AssertionError("a full flush did not reset the compressor");
            }
            deflater.finish();
            byte[] end = drain(deflater, Deflater.NO_FLUSH);
            deflater.end();
            ByteArrayOutputStream out = new ByteArrayOutputStream(block.length * 1024 + end.length);
            for (int i = 0; i < 1024; i++) {
                out.writeBytes(block);
            }
            out.writeBytes(end);
            gibOfZeros = out.toByteArray();
        }
        return gibOfZeros;
    }

    private static byte[] flush(Deflater deflater, byte[] input) {
        deflater.setInput(input);
        return drain(deflater, Deflater.FULL_FLUSH);
    }

    private static byte[] drain(Deflater deflater, int mode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, mode);
            out.write(buffer, 0, n);
        } while (n == buffer.length || !deflater.needsInput() && !deflater.finished());
        if (mode == Deflater.NO_FLUSH) {
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        return out.toByteArray();
    }
}
