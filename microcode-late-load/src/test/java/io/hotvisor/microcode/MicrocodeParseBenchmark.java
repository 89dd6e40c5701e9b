package io.hotvisor.microcode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time to parse and check Debian's whole intel-microcode package ({@code lib/firmware/intel-ucode},
 * about 21 MB in 126 files): from disk through {@link MicrocodeFiles#read}, and from bytes already in
 * memory (the checks alone). Run by hand after {@code scripts/fetch-firmware.sh}, see README.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MicrocodeParseBenchmark {

    /** The intel-ucode directory; defaults to the fetch script's default cache. */
    @Param("")
    public String dir;

    private Path intelUcode;
    private final List<String> names = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();

    @Setup
    public void load() throws IOException {
        String cache = System.getenv().getOrDefault("HOTVISOR_FIRMWARE_CACHE",
                System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache")
                        + "/hotvisor/firmware");
        intelUcode = dir.isEmpty() ? Path.of(cache, "intel-microcode/lib/firmware/intel-ucode") : Path.of(dir);
        try (Stream<Path> files = Files.list(intelUcode)) {
            for (Path f : files.sorted().toList()) {
                names.add(f.toString());
                contents.add(Files.readAllBytes(f));
            }
        }
    }

    @Benchmark
    public List<MicrocodeFile> readWholePackageFromDisk() throws Exception {
        return MicrocodeFiles.read(intelUcode, ParseMode.LINUX);
    }

    @Benchmark
    public int checkWholePackageInMemory() throws Exception {
        int updates = 0;
        for (int i = 0; i < contents.size(); i++) {
            updates += MicrocodeFiles.parse(names.get(i), contents.get(i), ParseMode.LINUX).intelUpdates().size();
        }
        return updates;
    }
}
