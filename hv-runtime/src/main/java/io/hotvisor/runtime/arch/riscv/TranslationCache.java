package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;

/**
 * The translated blocks of one domain's guest memory, per guest-physical page, shared by the
 * domain's harts.
 *
 * <p>Blocks retire themselves when their page is written (see {@link Block}); {@link #invalidateAll}
 * drops every block at once, for a live patch of the translator or the interpreter, after which
 * the harts translate afresh with the patched code. Thread-safe: harts fill slots racily (two harts
 * forming the same block both produce a correct one) and see a flush at their next block.
 */
public final class TranslationCache {
    /** Interpreted runs after which a block is translated: cold code never pays for translation. */
    static final int HOT = 16;

    private final int hot;
    private final GuestMemory memory;
    private volatile Block[][] pages;
    private volatile int epoch;
    private final BlockTranslator translator = new BlockTranslator();
    private final java.util.concurrent.atomic.LongAdder translated = new java.util.concurrent.atomic.LongAdder();

    public TranslationCache(GuestMemory memory) {
        this(memory, HOT);
    }

    /** @param hot interpreted runs before a block is translated (1: at its first run, for tests) */
    TranslationCache(GuestMemory memory, int hot) {
        this.memory = memory;
        this.hot = hot;
        this.pages = new Block[(int) (memory.size() >>> GuestMemory.PAGE_SHIFT)][];
    }

    public GuestMemory memory() { return memory; }

    /** Drops every translation; harts running a block finish it and then find none. */
    public synchronized void invalidateAll() {
        pages = new Block[pages.length][];
        epoch++;
    }

    /** How many times {@link #invalidateAll} ran: a cheap way to see that a flush happened. */
    public int generation() { return epoch; }

    int epoch() { return epoch; }

    int hot() { return hot; }

    Block[][] pages() { return pages; }

    /**
     * Translates {@code block} with the current translator, together with the blocks of its page
     * it leads to (a {@link Region}).
     */
    CompiledBlock translate(Block block) {
        Block[][] all = pages;
        Block[] page = block.pageIndex < all.length ? all[block.pageIndex] : null;
        CompiledBlock code = translator.translate(Region.grow(block, page, Region.MAX_COST));
        translated.increment();
        return code;
    }

    /** Blocks translated so far (each as the head of its region), flushed ones included. */
    public long translatedBlocks() { return translated.sum(); }
}
