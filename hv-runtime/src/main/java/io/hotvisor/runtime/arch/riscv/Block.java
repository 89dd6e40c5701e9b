package io.hotvisor.runtime.arch.riscv;

/**
 * A guest basic block: straight-line instructions from {@link #pc} up to and including the first
 * control transfer, stopping before anything the translator leaves to the interpreter (CSRs,
 * ecall, atomics, privileged instructions), before an instruction that crosses a page, and at
 * {@link #MAX_LENGTH}. Never spans two pages.
 *
 * <p>A block is valid while its page's decoded-instruction array is still {@link #decodedPage}:
 * {@code GuestMemory} drops that array on any store into the page, so self-modifying code and a
 * guest reload retire the blocks of the pages they write without the store path knowing about
 * translations.
 */
final class Block {
    static final int MAX_LENGTH = 64;

    final long pc;
    /** Decoded entries ({@link Op} layout); empty when the first instruction is not translatable. */
    final long[] entries;
    /** Guest pc of each entry, for precise traps. */
    final long[] pcs;
    final long[] decodedPage;
    final int pageIndex;
    /** The cache generation this block belongs to; {@link TranslationCache#invalidateAll} starts a new one. */
    final int epoch;
    /** Times the interpreter ran this block; at its cache's threshold ({@link TranslationCache#HOT} by default) it is translated. Racy on purpose. */
    int runs;
    /**
     * The translation of the {@link Region} this block heads, once hot; set once, stateless, so a
     * racy publication is harmless.
     */
    CompiledBlock code;
    /** The block that followed this one last time: the dispatcher's chain link. */
    Block successor;

    Block(long pc, long[] entries, long[] pcs, long[] decodedPage, int pageIndex, int epoch) {
        this.pc = pc;
        this.entries = entries;
        this.pcs = pcs;
        this.decodedPage = decodedPage;
        this.pageIndex = pageIndex;
        this.epoch = epoch;
    }

    int length() { return entries.length; }

    /** Whether the translator handles {@code op} inside a block. */
    static boolean translatable(int op) {
        return op >= Op.LUI && op <= Op.REMUW || op == Op.FENCE;
    }

    /** Whether {@code op} ends a block (a control transfer). */
    static boolean endsBlock(int op) {
        return op >= Op.JAL && op <= Op.BGEU;
    }
}
