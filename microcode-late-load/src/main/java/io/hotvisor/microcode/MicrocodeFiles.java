package io.hotvisor.microcode;

import io.hotvisor.microcode.MicrocodeFormatException.Code;
import io.hotvisor.microcode.amd.AmdContainerParser;
import io.hotvisor.microcode.intel.IntelMicrocodeParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads microcode files of either vendor, telling them apart by their first dword: an AMD
 * container starts with magic 0x00414d44, an Intel update with header version 1.
 *
 * <p>A directory is read as the sorted list of the regular files directly in it (by file name, in
 * {@code String} order, i.e. byte order for ASCII names), which is the order iucode_tool uses when
 * handed the same files sorted; subdirectories are not entered. Every file must parse: one bad file
 * refuses the whole directory, so nothing is ever loaded from a half-valid set. Stateless.
 */
public final class MicrocodeFiles {

    private MicrocodeFiles() {
    }

    /**
     * Reads a file, or every regular file of a directory.
     *
     * @param fileOrDirectory what to read; its path is shown as given
     * @param mode how strictly Intel updates are checked
     * @return one entry per file, in order
     * @throws IOException when something cannot be read (missing path, permissions)
     * @throws MicrocodeFormatException when a file is empty, of unknown format or breaks a rule, or a
     *     directory holds no regular file
     */
    public static List<MicrocodeFile> read(Path fileOrDirectory, ParseMode mode)
            throws IOException, MicrocodeFormatException {
        if (!Files.isDirectory(fileOrDirectory)) {
            return List.of(readFile(fileOrDirectory, mode));
        }
        List<Path> files;
        try (Stream<Path> entries = Files.list(fileOrDirectory)) {
            files = entries.filter(Files::isRegularFile)
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
        if (files.isEmpty()) {
            throw new MicrocodeFormatException(Code.EMPTY_DIRECTORY, fileOrDirectory.toString(), 0, 0,
                    "the directory holds no microcode file");
        }
        List<MicrocodeFile> out = new ArrayList<>(files.size());
        for (Path f : files) {
            out.add(readFile(f, mode));
        }
        return List.copyOf(out);
    }

    /**
     * Reads one file.
     *
     * @throws IOException when it cannot be read
     * @throws MicrocodeFormatException when it is empty, of unknown format or breaks a rule
     */
    public static MicrocodeFile readFile(Path file, ParseMode mode) throws IOException, MicrocodeFormatException {
        return parse(file.toString(), Files.readAllBytes(file), mode);
    }

    /**
     * Parses the bytes of one file of either vendor.
     *
     * @param path the name shown for it
     * @throws MicrocodeFormatException when the data is empty, of unknown format or breaks a rule
     */
    public static MicrocodeFile parse(String path, byte[] data, ParseMode mode) throws MicrocodeFormatException {
        if (data.length == 0) {
            throw new MicrocodeFormatException(Code.EMPTY_FILE, path, 0, 0, "the file is empty");
        }
        int first = data.length >= 4
                ? (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24
                : -1;
        if (first == AmdContainerParser.MAGIC) {
            return new MicrocodeFile(path, Vendor.AMD, List.of(), new AmdContainerParser().parse(path, data));
        }
        if (first == 1) {
            return new MicrocodeFile(path, Vendor.INTEL, new IntelMicrocodeParser(mode).parse(path, data), List.of());
        }
        throw new MicrocodeFormatException(Code.UNKNOWN_FORMAT, path, 0, 0,
                "neither an Intel microcode update (header version 1) nor an AMD container (magic 0x00414d44)");
    }
}
