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
    /**
     * Interpreted runs after which a block is translated. A translation is not fast at once: its
     * bytecode runs in the JVM's own interpreter, slower than Hotvisor's compiled one, until HotSpot
     * has compiled it, and the JIT's threads share the cores with the pCPUs. A block that has run a
     * thousand times is likely to run many more; one that ran a few dozen times (start-up code, a
     * short guest's loops) costs more to translate than it would ever save. Measured on the sample
     * guests (BENCHMARKS.md), whole runs of `hv run`: at 16, sha256 took twice as long as at 1,024;
     * from 1,024 to 8,192 they were the same within the noise.
     */
    public static final int HOT = 1024;

    private final int hot;
    private final GuestMemory memory;
    private volatile Block[][] pages;
    private volatile int epoch;
    private final BlockTranslator translator = new BlockTranslator();
    private final java.util.concurrent.atomic.LongAdder translated = new java.util.concurrent.atomic.LongAdder();

    public TranslationCache(GuestMemory memory) {
        this(memory, HOT);
    }

    /** @param hot interpreted runs before a block is translated (1: at its first run) */
    public TranslationCache(GuestMemory memory, int hot) {
        if (hot < 1) throw new IllegalArgumentException("hot must be at least 1, got " + hot);
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
