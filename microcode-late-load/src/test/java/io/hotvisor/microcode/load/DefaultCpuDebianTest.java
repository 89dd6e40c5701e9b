package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.microcode.DebianFirmware;
import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeSelector;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.ParseMode;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host's default CPU really has a newer update in Debian's intel-microcode (skipped without the package). */
class DefaultCpuDebianTest {
    @Test
    void debiansIntelMicrocodeHasANewerUpdateForTheDefaultCpu() throws Exception {
        DebianFirmware fw = DebianFirmware.require();
        List<MicrocodeUpdate> all = MicrocodeFiles.read(fw.intelUcode(), ParseMode.LINUX).stream()
                .filter(f -> !f.path().endsWith(".initramfs"))
                .flatMap(f -> f.updates().stream()).toList();
        MicrocodeSelector.Selection s = MicrocodeSelector.select(CpuConfig.defaults(), all);
        assertThat(s.outcome()).isEqualTo(MicrocodeSelector.Outcome.NEWER);
        MicrocodeUpdate u = s.update().orElseThrow();
        assertThat(u.source()).endsWith("06-8c-01");
        assertThat(Integer.compareUnsigned(u.revision(), 0xbc)).isGreaterThanOrEqualTo(0);

        SimulatedCpus cpus = new SimulatedCpus(2, 2, CpuConfig.defaults(), RevisionEffects.SIMULATED);
        LoadResult r = new LateLoader(cpus, new FakeStopMachine(2)).load(
                List.of(new LateLoader.Input("06-8c-01", Files.readAllBytes(fw.intelUcode().resolve("06-8c-01")))),
                LateLoader.Options.defaults());
        assertThat(r.complete()).isTrue();
        assertThat(cpus.readRevision(3)).isEqualTo(u.revision());
    }
}
