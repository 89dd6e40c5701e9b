package io.hotvisor.microcode;

/**
 * A microcode release date as both vendors store it: packed BCD {@code 0xMMDDYYYY} in one
 * little-endian dword (Intel's header "Date" field; AMD's patch {@code data_code}).
 *
 * <p>The raw value is kept as published, valid or not (one real AMD patch of 2011 has month 13):
 * {@link #toString()} prints it the way iucode_tool and Linux do, {@code %04x-%02x-%02x}, and
 * {@link #isValid()} says whether it is a real calendar date in BCD.
 *
 * @param raw the dword as stored, {@code 0xMMDDYYYY}
 */
public record BcdDate(int raw) {

    /** The year's four BCD digits, e.g. {@code 0x2024}. */
    public int yearBcd() {
        return raw & 0xffff;
    }

    /** The month's two BCD digits, e.g. {@code 0x11}. */
    public int monthBcd() {
        return raw >>> 24;
    }

    /** The day's two BCD digits, e.g. {@code 0x17}. */
    public int dayBcd() {
        return (raw >>> 16) & 0xff;
    }

    /**
     * Whether every nibble is a decimal digit, the month is 1 to 12 and the day 1 to 31
     * (iucode_tool's strict date rule).
     */
    public boolean isValid() {
        for (int shift = 0; shift < 32; shift += 4) {
            if (((raw >>> shift) & 0xf) > 9) {
                return false;
            }
        }
        int month = decimal(monthBcd());
        int day = decimal(dayBcd());
        return month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }

    private static int decimal(int bcd) {
        return (bcd >>> 4) * 10 + (bcd & 0xf);
    }

    /** The date as {@code YYYY-MM-DD}, the BCD digits printed as hex, exactly as iucode_tool does. */
    @Override
    public String toString() {
        return String.format("%04x-%02x-%02x", yearBcd(), monthBcd(), dayBcd());
    }
}
