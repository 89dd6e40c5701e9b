package io.hotvisor.runtime.arch.riscv;

/**
 * Operation numbers of decoded instructions, and the layout of a decoded entry.
 *
 * <p>An entry is one {@code long}: bits 0-7 the operation, 8-12 rd, 13-17 rs1, 18-22 rs2, bit 23
 * set for a 16-bit (compressed) instruction, bits 32-63 the sign-extended immediate. Compressed
 * instructions decode to the base operation they expand to (RISC-V ISA manual, RVC chapter), so the
 * interpreter executes one instruction set. Zero means "not decoded yet", hence operations start at 1.
 */
final class Op {
    private Op() {}

    static final int LUI = 1, AUIPC = 2, JAL = 3, JALR = 4;
    static final int BEQ = 5, BNE = 6, BLT = 7, BGE = 8, BLTU = 9, BGEU = 10;
    static final int LB = 11, LH = 12, LW = 13, LD = 14, LBU = 15, LHU = 16, LWU = 17;
    static final int SB = 18, SH = 19, SW = 20, SD = 21;
    static final int ADDI = 22, SLTI = 23, SLTIU = 24, XORI = 25, ORI = 26, ANDI = 27, SLLI = 28, SRLI = 29, SRAI = 30;
    static final int ADD = 31, SUB = 32, SLL = 33, SLT = 34, SLTU = 35, XOR = 36, SRL = 37, SRA = 38, OR = 39, AND = 40;
    static final int ADDIW = 41, SLLIW = 42, SRLIW = 43, SRAIW = 44;
    static final int ADDW = 45, SUBW = 46, SLLW = 47, SRLW = 48, SRAW = 49;
    static final int MUL = 50, MULH = 51, MULHSU = 52, MULHU = 53, DIV = 54, DIVU = 55, REM = 56, REMU = 57;
    static final int MULW = 58, DIVW = 59, DIVUW = 60, REMW = 61, REMUW = 62;
    static final int FENCE = 63, FENCE_I = 64;
    static final int ECALL = 65, EBREAK = 66, SRET = 67, WFI = 68, SFENCE_VMA = 69;
    static final int CSRRW = 70, CSRRS = 71, CSRRC = 72, CSRRWI = 73, CSRRSI = 74, CSRRCI = 75;
    static final int LR_W = 76, SC_W = 77, AMO_W = 78, LR_D = 79, SC_D = 80, AMO_D = 81;
    static final int ILLEGAL = 82;
    /** A fetch that runs off the end of RAM half-way through an instruction; imm is the offset of the missing half. */
    static final int FETCH_FAULT = 83;

    static final int COMPRESSED = 1 << 23;

    static long entry(int op, int rd, int rs1, int rs2, int imm) {
        return ((long) imm << 32) | (op | rd << 8 | rs1 << 13 | rs2 << 18);
    }

    static long compressed(long entry) {
        return entry | COMPRESSED;
    }
}
