package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.CpuSignature;
import io.hotvisor.microcode.Vendor;
import io.hotvisor.microcode.policy.Decision;
import io.hotvisor.microcode.policy.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which file of a directory Linux's late loader would read for a CPU: {@code intel-ucode/FF-MM-SS}
 * (family, model, stepping in two lower-case hex digits), or for AMD
 * {@code amd-ucode/microcode_amd.bin} before family 0x15 and {@code microcode_amd_famXXh.bin} from
 * it. Every other file is skipped, with the reason: Debian's {@code *.initramfs} files are
 * early-only updates, a file named for another CPU is not for this one, anything else is not a
 * microcode file name at all.
 */
final class FirmwareNames {

    private static final Pattern INTEL = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}");
    private static final Pattern AMD = Pattern.compile("microcode_amd(_fam[0-9a-f]{2}h)?\\.bin");

    /** The files kept and a decision for each file, skipped or kept. */
    record Selection(List<LateLoader.Input> kept, List<Decision> decisions, String expected) {
    }

    private FirmwareNames() {
    }

    /** The name Linux requests for {@code cpu}, e.g. {@code 06-8c-01} or {@code microcode_amd_fam19h.bin}. */
    static String expected(CpuIdentity cpu) {
        CpuSignature s = cpu.signature();
        if (cpu.vendor() == Vendor.INTEL) {
            return String.format("%02x-%02x-%02x", s.family(), s.model(), s.stepping());
        }
        return s.family() < 0x15 ? "microcode_amd.bin" : String.format("microcode_amd_fam%02xh.bin", s.family());
    }

    /** The folder Linux reads it from. */
    static String folder(CpuIdentity cpu) {
        return cpu.vendor() == Vendor.INTEL ? "intel-ucode" : "amd-ucode";
    }

    /** Keeps the file named as Linux names this CPU's file; says why each other file was skipped. */
    static Selection select(CpuIdentity cpu, List<LateLoader.Input> files) {
        String expected = expected(cpu);
        List<LateLoader.Input> kept = new ArrayList<>();
        List<Decision> decisions = new ArrayList<>();
        for (LateLoader.Input f : files) {
            String base = baseName(f.name());
            if (base.equals(expected)) {
                kept.add(f);
                decisions.add(new Decision(Rule.LINUX_NAMING, Decision.Verdict.PASS,
                        f.name() + ": the file Linux reads for this CPU (" + folder(cpu) + "/" + expected + ")"));
            } else {
                decisions.add(new Decision(Rule.LINUX_NAMING, Decision.Verdict.SKIP, f.name() + ": " + why(base, cpu)));
            }
        }
        return new Selection(kept, decisions, folder(cpu) + "/" + expected);
    }

    private static String why(String base, CpuIdentity cpu) {
        if (base.endsWith(".initramfs")) {
            return "skipped: an early-only update (Debian's *.initramfs files are loaded at boot, never late)";
        }
        if (INTEL.matcher(base).matches() || AMD.matcher(base).matches()) {
            return "skipped: named for another CPU; this host's CPUs read " + folder(cpu) + "/" + expected(cpu);
        }
        return "skipped: not a Linux microcode file name (intel-ucode/FF-MM-SS, amd-ucode/microcode_amd*.bin)";
    }

    static String baseName(String name) {
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        return slash < 0 ? name : name.substring(slash + 1);
    }
}
