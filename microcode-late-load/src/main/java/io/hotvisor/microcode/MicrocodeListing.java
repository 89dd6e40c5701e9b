package io.hotvisor.microcode;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hotvisor.microcode.amd.AmdContainer;
import io.hotvisor.microcode.amd.AmdEquivalenceTable;
import io.hotvisor.microcode.amd.AmdPatch;
import io.hotvisor.microcode.intel.IntelMicrocodeUpdate;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ucode --list} output for a set of parsed files, as text and as a JSON model.
 *
 * <p>Intel files are printed exactly as {@code iucode_tool -L} prints them (iucode_tool 2.3.1):
 * <pre>
 * microcode bundle N: PATH
 *   NNN/MMM: sig 0x%08x, pf_mask 0x%02x, YYYY-MM-DD, rev 0x%04x, size %u
 *            sig 0x%08x, pf_mask 0x%02x, YYYY-MM-DD, rev 0x%04x      (one per extended signature)
 * </pre>
 * where N counts the Intel files listed, NNN is N zero-padded and MMM the update's index in its file.
 * AMD files use the equivalent format defined in the module's README.md:
 * <pre>
 * amd container N: PATH
 *   equiv: installed_cpu 0x%08x, equiv_cpu 0x%04x, fixed_errata_mask 0x%08x, fixed_errata_compare 0x%08x
 *   NNN/MMM: patch_id 0x%08x, family 0x%02x, processor_rev_id 0x%04x, date YYYY-MM-DD, size %u
 *            sig 0x%08x                                              (one per CPU the patch is for)
 * </pre>
 * where N counts the AMD containers listed. Immutable.
 */
public final class MicrocodeListing {

    private static final String EXTENDED_INDENT = "           ";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<MicrocodeFile> files;

    /** A listing of these files, in this order. */
    public MicrocodeListing(List<MicrocodeFile> files) {
        this.files = List.copyOf(files);
    }

    /** The listed files. */
    public List<MicrocodeFile> files() {
        return files;
    }

    /** The text lines, without line terminators. */
    public List<String> textLines() {
        List<String> lines = new ArrayList<>();
        int bundle = 0;
        int container = 0;
        for (MicrocodeFile f : files) {
            if (f.vendor() == Vendor.INTEL) {
                bundle++;
                lines.add("microcode bundle " + bundle + ": " + f.path());
                for (IntelMicrocodeUpdate u : f.intelUpdates()) {
                    lines.add(String.format("  %03d/%03d: sig 0x%08x, pf_mask 0x%02x, %s, rev 0x%04x, size %s", bundle,
                            u.index(), u.processorSignature(), u.processorFlags(), u.date(), u.revision(),
                            Integer.toUnsignedString(u.totalSize())));
                    for (IntelMicrocodeUpdate.ExtendedSignature e : u.extendedSignatures()) {
                        lines.add(String.format("%ssig 0x%08x, pf_mask 0x%02x, %s, rev 0x%04x", EXTENDED_INDENT,
                                e.processorSignature(), e.processorFlags(), u.date(), u.revision()));
                    }
                }
            } else {
                for (AmdContainer c : f.amdContainers()) {
                    container++;
                    lines.add("amd container " + container + ": " + f.path());
                    for (AmdEquivalenceTable.Entry e : c.equivalenceTable().entries()) {
                        lines.add(String.format("  equiv: installed_cpu 0x%08x, equiv_cpu 0x%04x, "
                                + "fixed_errata_mask 0x%08x, fixed_errata_compare 0x%08x", e.installedCpu(),
                                e.equivalenceId(), e.fixedErrataMask(), e.fixedErrataCompare()));
                    }
                    int n = 0;
                    for (AmdPatch p : c.patches()) {
                        n++;
                        lines.add(String.format("  %03d/%03d: patch_id 0x%08x, family 0x%02x, processor_rev_id 0x%04x, "
                                + "date %s, size %d", container, n, p.patchId(), p.family(), p.processorRevisionId(),
                                p.date(), p.sectionSize()));
                        for (int sig : p.targetSignatures()) {
                            lines.add(String.format("%ssig 0x%08x", EXTENDED_INDENT, sig));
                        }
                    }
                }
            }
        }
        return List.copyOf(lines);
    }

    /** The text, each line ended by {@code \n}. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (String line : textLines()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** The same facts as {@link #textLines()} and more of each header, as a JSON-ready model. */
    public Json model() {
        List<FileEntry> entries = new ArrayList<>();
        int bundle = 0;
        int container = 0;
        for (MicrocodeFile f : files) {
            if (f.vendor() == Vendor.INTEL) {
                bundle++;
                List<IntelEntry> updates = new ArrayList<>();
                for (IntelMicrocodeUpdate u : f.intelUpdates()) {
                    List<ExtendedEntry> ext = new ArrayList<>();
                    for (IntelMicrocodeUpdate.ExtendedSignature e : u.extendedSignatures()) {
                        ext.add(new ExtendedEntry(hex8(e.processorSignature()), hex2(e.processorFlags()),
                                hex8(e.checksum())));
                    }
                    updates.add(new IntelEntry(bundle, u.index(), u.offset(), hex8(u.processorSignature()),
                            hex2(u.processorFlags()), u.date().toString(), hex4(u.revision()),
                            Integer.toUnsignedLong(u.totalSize()), Integer.toUnsignedLong(u.dataSize()),
                            u.headerVersion(), u.loaderRevision(), hex8(u.checksum()),
                            Integer.toUnsignedLong(u.metadataSize()), hex4(u.minRequiredRevision()), ext));
                }
                entries.add(new IntelFile("intel", f.path(), bundle, updates));
            } else {
                List<ContainerEntry> containers = new ArrayList<>();
                for (AmdContainer c : f.amdContainers()) {
                    container++;
                    List<EquivalenceEntry> table = new ArrayList<>();
                    for (AmdEquivalenceTable.Entry e : c.equivalenceTable().entries()) {
                        table.add(new EquivalenceEntry(hex8(e.installedCpu()), String.format("0x%04x", e.equivalenceId()),
                                hex8(e.fixedErrataMask()), hex8(e.fixedErrataCompare())));
                    }
                    List<PatchEntry> patches = new ArrayList<>();
                    int n = 0;
                    for (AmdPatch p : c.patches()) {
                        n++;
                        List<String> sigs = new ArrayList<>();
                        for (int s : p.targetSignatures()) {
                            sigs.add(hex8(s));
                        }
                        patches.add(new PatchEntry(container, n, p.offset(), hex8(p.patchId()), hex2(p.family()),
                                String.format("0x%04x", p.processorRevisionId()), p.date().toString(), p.sectionSize(),
                                String.format("0x%04x", p.patchDataId()), p.patchDataLength(), p.initFlag(),
                                hex8(p.patchDataChecksum()), sigs));
                    }
                    containers.add(new ContainerEntry(container, c.offset(), table, patches));
                }
                entries.add(new AmdFile("amd", f.path(), containers));
            }
        }
        return new Json(entries);
    }

    /** {@link #model()} as pretty-printed JSON, ending without a newline. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(model());
        } catch (JsonProcessingException e) {
            // The model holds only strings, numbers and lists: it always serialises.
            throw new UncheckedIOException(e);
        }
    }

    private static String hex8(int v) {
        return String.format("0x%08x", v);
    }

    private static String hex4(int v) {
        return String.format("0x%04x", v);
    }

    private static String hex2(int v) {
        return String.format("0x%02x", v);
    }

    /**
     * The JSON document: {@code {"files": [...]}}. Identifiers (signatures, masks, revisions,
     * checksums) are hex strings written as in the text listing; sizes and offsets are numbers.
     *
     * @param files one entry per file, in listing order
     */
    public record Json(List<FileEntry> files) {
    }

    /** One listed file: {@link IntelFile} or {@link AmdFile}, told apart by {@code vendor}. */
    public sealed interface FileEntry permits IntelFile, AmdFile {
        /** {@code "intel"} or {@code "amd"}. */
        String vendor();

        /** The path as listed. */
        String path();
    }

    /**
     * An Intel bundle.
     *
     * @param vendor {@code "intel"}
     * @param path the path as listed
     * @param bundle N of "microcode bundle N"
     * @param updates its updates
     */
    @JsonPropertyOrder({"vendor", "path", "bundle", "updates"})
    public record IntelFile(String vendor, String path, int bundle, List<IntelEntry> updates) implements FileEntry {
    }

    /**
     * One Intel update.
     *
     * @param bundle NNN of the listing
     * @param index MMM of the listing: the 1-based index in the file
     * @param offset byte offset in the file
     * @param signature processor signature
     * @param pfMask processor flags
     * @param date YYYY-MM-DD
     * @param revision update revision
     * @param size total size
     * @param dataSize effective data size
     * @param headerVersion header version
     * @param loaderRevision loader revision
     * @param checksum header checksum
     * @param metadataSize metadata size
     * @param minRequiredRevision minimum revision for a safe late load
     * @param extendedSignatures extended signature table entries
     */
    @JsonPropertyOrder({"bundle", "index", "offset", "signature", "pfMask", "date", "revision", "size"})
    public record IntelEntry(int bundle, int index, long offset, String signature, String pfMask, String date,
            String revision, long size, long dataSize, int headerVersion, int loaderRevision, String checksum,
            long metadataSize, String minRequiredRevision, List<ExtendedEntry> extendedSignatures) {
    }

    /**
     * One extended signature.
     *
     * @param signature processor signature
     * @param pfMask processor flags
     * @param checksum the entry's checksum
     */
    public record ExtendedEntry(String signature, String pfMask, String checksum) {
    }

    /**
     * An AMD file.
     *
     * @param vendor {@code "amd"}
     * @param path the path as listed
     * @param containers its containers
     */
    @JsonPropertyOrder({"vendor", "path", "containers"})
    public record AmdFile(String vendor, String path, List<ContainerEntry> containers) implements FileEntry {
    }

    /**
     * One AMD container.
     *
     * @param container N of "amd container N"
     * @param offset byte offset of its magic
     * @param equivalenceTable its equivalence table, without the terminating entry
     * @param patches its patches
     */
    public record ContainerEntry(int container, long offset, List<EquivalenceEntry> equivalenceTable,
            List<PatchEntry> patches) {
    }

    /**
     * One equivalence table entry.
     *
     * @param installedCpu CPU signature
     * @param equivCpu equivalence id
     * @param fixedErrataMask errata mask
     * @param fixedErrataCompare errata compare value
     */
    public record EquivalenceEntry(String installedCpu, String equivCpu, String fixedErrataMask,
            String fixedErrataCompare) {
    }

    /**
     * One AMD patch.
     *
     * @param container NNN of the listing
     * @param index MMM of the listing: the 1-based index in its container
     * @param offset byte offset of its section header
     * @param patchId patch id (the revision)
     * @param family the family it is for
     * @param processorRevId equivalence id
     * @param date data_code as YYYY-MM-DD
     * @param size patch section size
     * @param patchDataId mc_patch_data_id
     * @param patchDataLength mc_patch_data_len
     * @param initFlag init_flag
     * @param patchDataChecksum mc_patch_data_checksum
     * @param signatures the CPU signatures it is for
     */
    @JsonPropertyOrder({"container", "index", "offset", "patchId", "family", "processorRevId", "date", "size"})
    public record PatchEntry(int container, int index, long offset, String patchId, String family,
            String processorRevId, String date, int size, String patchDataId, int patchDataLength, int initFlag,
            String patchDataChecksum, List<String> signatures) {
    }
}
