package io.hotvisor.runtime.elf;

/** A guest image that is not a loadable RV64 ELF executable; the message says what is wrong with it. */
public final class ElfFormatException extends Exception {
    public ElfFormatException(String message) {
        super(message);
    }
}
