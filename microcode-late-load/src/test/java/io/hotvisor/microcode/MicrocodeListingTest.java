package io.hotvisor.microcode;

import static io.hotvisor.microcode.intel.IntelUpdateBuilder.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.microcode.amd.AmdContainerBuilder;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicrocodeListingTest {

    private static MicrocodeListing listing() throws Exception {
        byte[] two = concat(
                new IntelUpdateBuilder().signature(0x6f2).flags(0x20).date(0x10022010).revision(0x5c).dataLength(4048).build(),
                new IntelUpdateBuilder().signature(0x6f2).flags(0x01).date(0x10022010).revision(0x5d).dataLength(4048).build());
        byte[] ext = new IntelUpdateBuilder().signature(0x806f8).flags(0x87).date(0x05292025).revision(0x2b000650)
                .extended(0x806f8, 0x87).extended(0x806f7, 0x87).build();
        byte[] amd = new AmdContainerBuilder().equivalence(0x00100f22, 0x1022).equivalence(0x00100f23, 0x1022)
                .patch(0x01000083, 0x1022, 0x04302008, 960).build();
        return new MicrocodeListing(List.of(
                MicrocodeFiles.parse("intel-ucode/06-0f-02", two, ParseMode.LINUX),
                MicrocodeFiles.parse("intel-ucode/06-8f-08", ext, ParseMode.LINUX),
                MicrocodeFiles.parse("amd-ucode/microcode_amd.bin", amd, ParseMode.LINUX)));
    }

    @Test
    void textIsIucodeToolsFormatForIntelAndTheReadmeFormatForAmd() throws Exception {
        assertEquals(List.of(
                "microcode bundle 1: intel-ucode/06-0f-02",
                "  001/001: sig 0x000006f2, pf_mask 0x20, 2010-10-02, rev 0x005c, size 4096",
                "  001/002: sig 0x000006f2, pf_mask 0x01, 2010-10-02, rev 0x005d, size 4096",
                "microcode bundle 2: intel-ucode/06-8f-08",
                "  002/001: sig 0x000806f8, pf_mask 0x87, 2025-05-29, rev 0x2b000650, size 1068",
                "           sig 0x000806f8, pf_mask 0x87, 2025-05-29, rev 0x2b000650",
                "           sig 0x000806f7, pf_mask 0x87, 2025-05-29, rev 0x2b000650",
                "amd container 1: amd-ucode/microcode_amd.bin",
                "  equiv: installed_cpu 0x00100f22, equiv_cpu 0x1022, fixed_errata_mask 0x00000000, fixed_errata_compare 0x00000000",
                "  equiv: installed_cpu 0x00100f23, equiv_cpu 0x1022, fixed_errata_mask 0x00000000, fixed_errata_compare 0x00000000",
                "  001/001: patch_id 0x01000083, family 0x10, processor_rev_id 0x1022, date 2008-04-30, size 960",
                "           sig 0x00100f22",
                "           sig 0x00100f23"), listing().textLines());
    }

    @Test
    void jsonCarriesTheSameFacts() throws Exception {
        JsonNode root = new ObjectMapper().readTree(listing().toJson());
        JsonNode files = root.get("files");
        assertEquals(3, files.size());

        JsonNode bundle = files.get(1);
        assertEquals("intel", bundle.get("vendor").asText());
        assertEquals("intel-ucode/06-8f-08", bundle.get("path").asText());
        assertEquals(2, bundle.get("bundle").asInt());
        JsonNode u = bundle.get("updates").get(0);
        assertEquals("0x000806f8", u.get("signature").asText());
        assertEquals("0x87", u.get("pfMask").asText());
        assertEquals("2025-05-29", u.get("date").asText());
        assertEquals("0x2b000650", u.get("revision").asText());
        assertEquals(1068, u.get("size").asLong());
        assertEquals("0x000806f7", u.get("extendedSignatures").get(1).get("signature").asText());

        JsonNode amd = files.get(2);
        assertEquals("amd", amd.get("vendor").asText());
        JsonNode c = amd.get("containers").get(0);
        assertEquals("0x1022", c.get("equivalenceTable").get(1).get("equivCpu").asText());
        JsonNode p = c.get("patches").get(0);
        assertEquals("0x01000083", p.get("patchId").asText());
        assertEquals("0x10", p.get("family").asText());
        assertEquals("2008-04-30", p.get("date").asText());
        assertEquals(960, p.get("size").asInt());
        assertEquals("0x00100f23", p.get("signatures").get(1).asText());
    }
}
