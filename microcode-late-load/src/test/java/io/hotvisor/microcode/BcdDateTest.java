package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BcdDateTest {

    @Test
    void printsYearMonthDayFromPackedBcd() {
        assertEquals("2024-11-17", new BcdDate(0x11172024).toString());
        assertEquals(0x2024, new BcdDate(0x11172024).yearBcd());
    }

    @Test
    void realCalendarDatesAreValid() {
        assertTrue(new BcdDate(0x12312019).isValid());
        assertTrue(new BcdDate(0x01012000).isValid());
    }

    @Test
    void invalidDatesAreStillPrintedAsStored() {
        // AMD's published patch 0x03000027 carries month 13.
        BcdDate d = new BcdDate(0x13092011);
        assertFalse(d.isValid());
        assertEquals("2011-13-09", d.toString());
        assertFalse(new BcdDate(0x00012020).isValid());
        assertFalse(new BcdDate(0x01322020).isValid());
        assertFalse(new BcdDate(0x010a2020).isValid());
        assertFalse(new BcdDate(0x0101202f).isValid());
    }
}
