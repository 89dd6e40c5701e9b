package io.hotvisor.runtime.elf;

import io.hotvisor.runtime.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A statically linked RV64 ELF executable: its entry point and PT_LOAD segments (ELF-64 object
 * file format; RISC-V ELF psABI).
 *
 * <p>{@link #parse} validates everything it reads against the file's own length before trusting
 * it, so a malformed or hostile file ends in one {@link ElfFormatException}, never an index error.
 */
public record ElfImage(long entry, List<Segment> segments) {
    private static final int EM_RISCV = 243;
    private static final int ET_EXEC = 2;
    private static final int PT_LOAD = 1;
    private static final int EHDR_SIZE = 64, PHDR_SIZE = 56;

    /** One loadable segment: {@code fileSize} bytes from the file at {@code address}, then zeroes up to {@code memorySize}. */
    public record Segment(long address, long fileOffset, long fileSize, long memorySize) {}

    public ElfImage {
        segments = List.copyOf(segments);
    }

    /** Parses and validates an ELF file's headers. */
    public static ElfImage parse(byte[] file) throws ElfFormatException {
        if (file.length < EHDR_SIZE) throw new ElfFormatException("file is too short for an ELF header (" + file.length + " bytes)");
        if (file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F') {
            throw new ElfFormatException("not an ELF file (bad magic)");
        }
        if (file[4] != 2) throw new ElfFormatException("not a 64-bit ELF file (EI_CLASS " + file[4] + ")");
        if (file[5] != 1) throw new ElfFormatException("not a little-endian ELF file (EI_DATA " + file[5] + ")");
        if (file[6] != 1) throw new ElfFormatException("unsupported ELF version " + file[6]);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(b.getShort(16));
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_RISCV) throw new ElfFormatException("not a RISC-V executable (e_machine " + machine + ")");
        if (type != ET_EXEC) throw new ElfFormatException("not a statically linked executable (e_type " + type + "; need ET_EXEC)");
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phnum == 0) throw new ElfFormatException("no program headers");
        if (phentsize != PHDR_SIZE) throw new ElfFormatException("unexpected program header size " + phentsize);
        if (phoff < 0 || phoff > file.length || (long) phnum * PHDR_SIZE > file.length - phoff) {
            throw new ElfFormatException("program header table lies outside the file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = (int) phoff + i * PHDR_SIZE;
            if (b.getInt(p) != PT_LOAD) continue;
            long offset = b.getLong(p + 8), paddr = b.getLong(p + 24), filesz = b.getLong(p + 32), memsz = b.getLong(p + 40);
            if (filesz < 0 || memsz < 0 || filesz > memsz) {
                throw new ElfFormatException("segment " + i + ": file size " + filesz + " exceeds memory size " + memsz);
            }
            if (offset < 0 || offset > file.length || filesz > file.length - offset) {
                throw new ElfFormatException("segment " + i + ": bytes lie outside the file");
            }
            if (memsz > 0) segments.add(new Segment(paddr, offset, filesz, memsz));
        }
        if (segments.isEmpty()) throw new ElfFormatException("no loadable (PT_LOAD) segments");
        return new ElfImage(entry, segments);
    }

    /**
     * Copies the segments into guest RAM.
     *
     * @throws ElfFormatException when a segment or the entry point lies outside the domain's RAM
     */
    public void load(byte[] file, GuestMemory memory) throws ElfFormatException {
        for (Segment s : segments) {
            if (!memory.contains(s.address(), s.memorySize())) {
                throw new ElfFormatException(String.format(
                        "segment at 0x%x (%d bytes) does not fit guest RAM 0x%x-0x%x; link the guest at 0x80200000 or give the domain more memory",
                        s.address(), s.memorySize(), GuestMemory.RAM_BASE, GuestMemory.RAM_BASE + memory.size()));
            }
        }
        if (!memory.contains(entry, 2)) {
            throw new ElfFormatException(String.format("entry point 0x%x lies outside guest RAM", entry));
        }
        for (Segment s : segments) {
            memory.write(s.address(), file, (int) s.fileOffset(), (int) s.fileSize());
            memory.zero(s.address() + s.fileSize(), s.memorySize() - s.fileSize());
        }
    }
}
