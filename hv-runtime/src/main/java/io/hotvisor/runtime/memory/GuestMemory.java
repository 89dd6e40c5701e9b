package io.hotvisor.runtime.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One domain's guest-physical RAM: a bounded byte array mapped at {@link #RAM_BASE}, as on QEMU's
 * {@code virt} machine, so the same guest ELF runs on both.
 *
 * <p>Every access is bounds-checked. Misaligned plain loads and stores are completed (byte by
 * byte), as a guest on QEMU's virt machine sees them through OpenSBI's emulation; misaligned
 * atomics (LR/SC, AMOs) fault, as the A extension requires. Plain loads and stores may race between the vCPUs of one
 * domain exactly as on hardware without fences; the atomic operations use real atomics.
 *
 * <p>The memory also owns the per-page table of decoded instructions the interpreter fills in:
 * every store over a decoded instruction drops that page's decodes, so self-modifying code and
 * loaders see their new bytes (Zifencei's {@code fence.i} then has nothing left to do), and the
 * blocks translated from the page retire with them.
 */
public final class GuestMemory {
    /** Guest-physical address of the first byte of RAM. */
    public static final long RAM_BASE = 0x8000_0000L;
    /** Granule of the decoded-instruction cache. */
    public static final int PAGE_SHIFT = 12;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] ram;
    private final long size;
    private final long[][] decoded;

    /**
     * @param size RAM size in bytes: a positive multiple of 4 KiB, at most 1 GiB
     * @throws IllegalArgumentException when the size is out of range
     */
    public GuestMemory(long size) {
        if (size <= 0 || size > (1L << 30) || (size & ((1 << PAGE_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException("guest memory size must be a multiple of 4 KiB between 4 KiB and 1 GiB, got " + size);
        }
        this.ram = new byte[(int) size];
        this.size = size;
        this.decoded = new long[(int) (size >>> PAGE_SHIFT)][];
    }

    public long size() { return size; }

    /** True when [addr, addr + length) lies inside RAM. */
    public boolean contains(long addr, long length) {
        long off = addr - RAM_BASE;
        return length >= 0 && off >= 0 && off <= size - length;
    }

    /** The decoded-instruction pages, indexed by RAM offset >> {@link #PAGE_SHIFT}; for the interpreter only. */
    public long[][] decodedPages() { return decoded; }

    /**
     * Raw RAM, for the interpreter's fetch path and for translated code's inline loads and stores,
     * which do the accessors' bounds check and {@link Nospec#index} clamp themselves, fall back to
     * the accessors for anything but an aligned access inside RAM, and call {@link #afterStore}
     * after a store into a page with decodes. Guests reach it through the checked accessors.
     */
    public byte[] ramForFetch() { return ram; }

    /**
     * What the store accessors do after writing: drops the page's decodes when the {@code width}
     * bytes stored at RAM offset {@code off} changed a decoded instruction. For translated code
     * that stored into {@link #ramForFetch} itself; the range must lie in RAM, within one page.
     */
    public void afterStore(long off, int width) {
        written(off, width);
    }

    public long load8(long addr) {
        long off = addr - RAM_BASE;
        if (off < 0 || off >= size) throw new GuestMemoryFault(GuestMemoryFault.Access.LOAD, false, addr);
        return ram[Nospec.index(off, size)];
    }

    public long load16(long addr) {
        long off = addr - RAM_BASE;
        if ((off & 1) != 0 || off < 0 || off > size - 2) return (short) loadUnaligned(addr, off, 2);
        return (short) I16.get(ram, Nospec.index(off, size - 1));
    }

    public long load32(long addr) {
        long off = addr - RAM_BASE;
        if ((off & 3) != 0 || off < 0 || off > size - 4) return (int) loadUnaligned(addr, off, 4);
        return (int) I32.get(ram, Nospec.index(off, size - 3));
    }

    public long load64(long addr) {
        long off = addr - RAM_BASE;
        if ((off & 7) != 0 || off < 0 || off > size - 8) return loadUnaligned(addr, off, 8);
        return (long) I64.get(ram, Nospec.index(off, size - 7));
    }

    public void store8(long addr, long value) {
        long off = addr - RAM_BASE;
        if (off < 0 || off >= size) throw new GuestMemoryFault(GuestMemoryFault.Access.STORE, false, addr);
        ram[(int) off] = (byte) value;
        written(off, 1);
    }

    public void store16(long addr, long value) {
        long off = addr - RAM_BASE;
        if ((off & 1) != 0 || off < 0 || off > size - 2) {
            storeUnaligned(addr, off, 2, value);
            return;
        }
        I16.set(ram, (int) off, (short) value);
        written(off, 2);
    }

    public void store32(long addr, long value) {
        long off = addr - RAM_BASE;
        if ((off & 3) != 0 || off < 0 || off > size - 4) {
            storeUnaligned(addr, off, 4, value);
            return;
        }
        I32.set(ram, (int) off, (int) value);
        written(off, 4);
    }

    public void store64(long addr, long value) {
        long off = addr - RAM_BASE;
        if ((off & 7) != 0 || off < 0 || off > size - 8) {
            storeUnaligned(addr, off, 8, value);
            return;
        }
        I64.set(ram, (int) off, value);
        written(off, 8);
    }

    /** Atomic 32-bit compare-and-set (for SC.W and AMO loops); the address must be 4-aligned. */
    public boolean compareAndSet32(long addr, long expected, long value) {
        int off = atomicOffset(addr, 4);
        boolean ok = I32.compareAndSet(ram, off, (int) expected, (int) value);
        if (ok) written(off, 4);
        return ok;
    }

    /** Atomic 64-bit compare-and-set (for SC.D and AMO loops); the address must be 8-aligned. */
    public boolean compareAndSet64(long addr, long expected, long value) {
        int off = atomicOffset(addr, 8);
        boolean ok = I64.compareAndSet(ram, off, expected, value);
        if (ok) written(off, 8);
        return ok;
    }

    /** Volatile 32-bit load, sign-extended, for LR.W and AMOs; faults as a store would (AMO semantics). */
    public long loadAtomic32(long addr) {
        return (int) I32.getVolatile(ram, atomicOffset(addr, 4));
    }

    /** Volatile 64-bit load for LR.D and AMOs; faults as a store would (AMO semantics). */
    public long loadAtomic64(long addr) {
        return (long) I64.getVolatile(ram, atomicOffset(addr, 8));
    }

    /** LR.W: a volatile 32-bit load, sign-extended; faults as a load (LR is a load, unlike the AMOs). */
    public long loadReserved32(long addr) {
        long off = addr - RAM_BASE;
        if ((off & 3) != 0 || off < 0 || off > size - 4) throw fault(GuestMemoryFault.Access.LOAD, addr, off, 4);
        return (int) I32.getVolatile(ram, Nospec.index(off, size - 3));
    }

    /** LR.D: a volatile 64-bit load; faults as a load. */
    public long loadReserved64(long addr) {
        long off = addr - RAM_BASE;
        if ((off & 7) != 0 || off < 0 || off > size - 8) throw fault(GuestMemoryFault.Access.LOAD, addr, off, 8);
        return (long) I64.getVolatile(ram, Nospec.index(off, size - 7));
    }

    /** Copies guest bytes out (hypercall arguments); the range must lie in RAM. */
    public byte[] read(long addr, int length) {
        if (!contains(addr, length)) throw new GuestMemoryFault(GuestMemoryFault.Access.LOAD, false, addr);
        byte[] out = new byte[length];
        System.arraycopy(ram, (int) (addr - RAM_BASE), out, 0, length);
        return out;
    }

    /** Copies bytes into guest RAM (the ELF loader, hypercall results); the range must lie in RAM. */
    public void write(long addr, byte[] bytes, int from, int length) {
        if (!contains(addr, length)) throw new GuestMemoryFault(GuestMemoryFault.Access.STORE, false, addr);
        int off = (int) (addr - RAM_BASE);
        System.arraycopy(bytes, from, ram, off, length);
        for (long p = off >>> PAGE_SHIFT; p <= (off + Math.max(length, 1) - 1L) >>> PAGE_SHIFT; p++) {
            decoded[(int) p] = null;
        }
    }

    /** Zeroes a range of guest RAM (an ELF segment's .bss part). */
    public void zero(long addr, long length) {
        if (!contains(addr, length)) throw new GuestMemoryFault(GuestMemoryFault.Access.STORE, false, addr);
        int off = (int) (addr - RAM_BASE);
        java.util.Arrays.fill(ram, off, off + (int) length, (byte) 0);
        for (long p = off >>> PAGE_SHIFT; p <= (off + Math.max(length, 1) - 1L) >>> PAGE_SHIFT; p++) {
            decoded[(int) p] = null;
        }
    }

    private int atomicOffset(long addr, int width) {
        long off = addr - RAM_BASE;
        if ((off & (width - 1)) != 0 || off < 0 || off > size - width) throw fault(GuestMemoryFault.Access.STORE, addr, off, width);
        return Nospec.index(off, size - width + 1);
    }

    /**
     * A misaligned load inside RAM, completed byte by byte as SBI firmware completes it for S-mode
     * software (the hart itself may trap on it; OpenSBI then emulates it). Returns the {@code width}
     * bytes zero-extended; the caller sign-extends. Outside RAM it is an access fault.
     */
    private long loadUnaligned(long addr, long off, int width) {
        if (off < 0 || off > size - width) throw new GuestMemoryFault(GuestMemoryFault.Access.LOAD, false, addr);
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = v << 8 | (ram[Nospec.index(off + i, size)] & 0xffL);
        return v;
    }

    /** A misaligned store inside RAM, completed byte by byte (see {@link #loadUnaligned}); not single-copy atomic. */
    private void storeUnaligned(long addr, long off, int width, long value) {
        if (off < 0 || off > size - width) throw new GuestMemoryFault(GuestMemoryFault.Access.STORE, false, addr);
        for (int i = 0; i < width; i++) ram[(int) off + i] = (byte) (value >>> (8 * i));
        written(off, width);
        long last = off + width - 1;
        if ((last >>> PAGE_SHIFT) != (off >>> PAGE_SHIFT)) written(last & ~((1L << PAGE_SHIFT) - 1), (int) (last & ((1 << PAGE_SHIFT) - 1)) + 1);
    }

    /**
     * Drops the decoded instructions of the page holding [off, off + width) when the store changed
     * bytes of a decoded instruction. A store to data that merely shares a page with code (a small
     * guest's .bss right after its .text) leaves the decodes, and the blocks translated from them,
     * in place: dropping them on every such store made the interpreter re-decode (and reallocate)
     * the page over and over. The range stays within one page.
     */
    private void written(long off, int width) {
        int page = Nospec.index(off >>> PAGE_SHIFT, decoded.length);
        long[] d = decoded[page];
        if (d == null) return;
        int o = (int) (off & ((1 << PAGE_SHIFT) - 1));
        // A 32-bit instruction starting up to three bytes before the first written byte overlaps it;
        // instructions straddling two pages are never decoded into the table.
        int from = Math.max(0, o - 2) >>> 1;
        int to = Math.min(d.length - 1, (o + width - 1) >>> 1);
        for (int slot = from; slot <= to; slot++) {
            if (d[Nospec.index(slot, d.length)] != 0) {
                decoded[page] = null;
                return;
            }
        }
    }

    private GuestMemoryFault fault(GuestMemoryFault.Access access, long addr, long off, int width) {
        boolean inRange = off >= 0 && off <= size - width;
        return new GuestMemoryFault(access, inRange, addr);
    }
}
