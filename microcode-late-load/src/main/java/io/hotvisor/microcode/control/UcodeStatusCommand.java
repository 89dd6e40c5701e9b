package io.hotvisor.microcode.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.microcode.CpuSignature;
import io.hotvisor.microcode.load.SimulatedCpus;
import io.hotvisor.control.ControlCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ucode.status}: every pCPU's vendor, signature, family/model/stepping, platform id, microcode
 * revision and features. No arguments. Result: {@code {"cpus": [{"cpu", "core", "thread", "vendor",
 * "signature", "fms", "family", "model", "stepping", "platformId", "pfMask", "revision",
 * "features"}]}}; signature, pfMask and revision are hex strings ({@code 0x%08x}, {@code 0x%02x},
 * {@code 0x%x}), fms is {@code FF-MM-SS} as Debian names the files.
 */
public final class UcodeStatusCommand implements ControlCommand {

    private final SimulatedCpus cpus;

    public UcodeStatusCommand(SimulatedCpus cpus) {
        this.cpus = Objects.requireNonNull(cpus, "cpus");
    }

    @Override
    public String name() {
        return "ucode.status";
    }

    @Override
    public Object handle(JsonNode args, Stream stream) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SimulatedCpus.CpuStatus s : cpus.status()) {
            CpuSignature sig = s.signature();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("cpu", s.cpu());
            row.put("core", s.core());
            row.put("thread", s.thread());
            row.put("vendor", s.vendor().name().toLowerCase(java.util.Locale.ROOT));
            row.put("signature", sig.toString());
            row.put("fms", fms(sig));
            row.put("family", sig.family());
            row.put("model", sig.model());
            row.put("stepping", sig.stepping());
            row.put("platformId", s.platformId());
            row.put("pfMask", String.format("0x%02x", s.vendor() == io.hotvisor.microcode.Vendor.INTEL ? 1 << s.platformId() : 0));
            row.put("revision", "0x" + Integer.toHexString(s.revision()));
            row.put("features", List.copyOf(s.features()));
            rows.add(row);
        }
        return Map.of("cpus", rows);
    }

    /** {@code FF-MM-SS}, the way Debian and Linux name microcode files. */
    static String fms(CpuSignature sig) {
        return String.format("%02x-%02x-%02x", sig.family(), sig.model(), sig.stepping());
    }
}
