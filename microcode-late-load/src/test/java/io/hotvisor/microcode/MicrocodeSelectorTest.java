package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.MicrocodeSelector.Outcome;
import io.hotvisor.microcode.MicrocodeSelector.Selection;
import io.hotvisor.microcode.amd.AmdContainerBuilder;
import io.hotvisor.microcode.amd.AmdContainerParser;
import io.hotvisor.microcode.intel.IntelMicrocodeParser;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicrocodeSelectorTest {

    private static List<MicrocodeUpdate> intel(IntelUpdateBuilder... builders) throws Exception {
        List<MicrocodeUpdate> out = new ArrayList<>();
        for (IntelUpdateBuilder b : builders) {
            out.addAll(new IntelMicrocodeParser().parse("u.bin", b.build()));
        }
        return out;
    }

    private static final CpuIdentity KABY_LAKE = CpuIdentity.intel(0x806ec, 7, 0xb4);

    @Test
    void picksTheHighestMatchingRevision() throws Exception {
        List<MicrocodeUpdate> updates = intel(
                new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0xd6),
                new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0xf4),
                new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0xea),
                new IntelUpdateBuilder().signature(0x806ec).flags(0x01).revision(0x1000),
                new IntelUpdateBuilder().signature(0x806eb).flags(0xff).revision(0x2000));
        Selection s = MicrocodeSelector.select(KABY_LAKE, updates);

        assertEquals(Outcome.NEWER, s.outcome());
        assertSame(updates.get(1), s.update().orElseThrow());
    }

    @Test
    void anUpdateNotNewerThanTheRunningRevisionIsNotSelected() throws Exception {
        List<MicrocodeUpdate> updates = intel(new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0xb4));
        Selection s = MicrocodeSelector.select(KABY_LAKE, updates);

        assertEquals(Outcome.NOT_NEWER, s.outcome());
        assertTrue(s.update().isEmpty());
        assertSame(updates.get(0), s.newestMatching().orElseThrow());
    }

    @Test
    void noMatchingUpdateIsNoMatch() throws Exception {
        Selection s = MicrocodeSelector.select(KABY_LAKE,
                intel(new IntelUpdateBuilder().signature(0x806ec).flags(0x01).revision(0xf4)));
        assertEquals(Outcome.NO_MATCH, s.outcome());
        assertTrue(s.newestMatching().isEmpty());
    }

    @Test
    void revisionsCompareUnsigned() throws Exception {
        List<MicrocodeUpdate> updates = intel(
                new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0x7fffffff),
                new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0x80000001));
        assertSame(updates.get(1), MicrocodeSelector.select(KABY_LAKE, updates).update().orElseThrow());
        CpuIdentity high = CpuIdentity.intel(0x806ec, 7, 0x90000000);
        assertEquals(Outcome.NOT_NEWER, MicrocodeSelector.select(high, updates).outcome());
    }

    @Test
    void amdCpuGetsItsPatchFromAMixOfVendors() throws Exception {
        List<MicrocodeUpdate> updates = new ArrayList<>(intel(new IntelUpdateBuilder().signature(0xa70fc0).flags(0)));
        updates.addAll(new AmdContainerParser().parse("amd.bin", new AmdContainerBuilder()
                .equivalence(0xa70fc0, 0xa7c0).patch(0x0a70c005, 0xa7c0, 0, 128).patch(0x0a70c004, 0xa7c0, 0, 128)
                .build()).get(0).patches());
        Selection s = MicrocodeSelector.select(CpuIdentity.amd(0xa70fc0, 0x0a70c003), updates);
        assertEquals(0x0a70c005, s.update().orElseThrow().revision());
        assertEquals(Vendor.AMD, s.update().orElseThrow().vendor());
    }
}
