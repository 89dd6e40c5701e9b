package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Op.*;

/**
 * Decodes RV64IMAC + Zicsr + Zifencei instruction words into {@link Op} entries.
 *
 * <p>Stateless and allocation-free. Anything this machine does not implement (F/D, reserved
 * encodings, M-mode instructions) decodes to {@link Op#ILLEGAL} carrying the raw bits, which the
 * interpreter reports as an illegal-instruction trap with those bits in {@code stval}.
 */
final class Decoder {
    private Decoder() {}

    /** Decodes a 32-bit instruction (its low two bits are 0b11). */
    static long decode32(int insn) {
        int rd = (insn >>> 7) & 31, f3 = (insn >>> 12) & 7, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
        int f7 = insn >>> 25;
        int immI = insn >> 20;
        switch (insn & 0x7f) {
            case 0x37: return entry(LUI, rd, 0, 0, insn & 0xfffff000);
            case 0x17: return entry(AUIPC, rd, 0, 0, insn & 0xfffff000);
            case 0x6f: {
                int imm = ((insn >> 31) << 20) | (insn & 0xff000) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
                return entry(JAL, rd, 0, 0, imm);
            }
            case 0x67: return f3 == 0 ? entry(JALR, rd, rs1, 0, immI) : illegal(insn);
            case 0x63: {
                int imm = ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1);
                int op = switch (f3) {
                    case 0 -> BEQ; case 1 -> BNE; case 4 -> BLT; case 5 -> BGE; case 6 -> BLTU; case 7 -> BGEU;
                    default -> 0;
                };
                return op == 0 ? illegal(insn) : entry(op, 0, rs1, rs2, imm);
            }
            case 0x03: {
                int op = switch (f3) {
                    case 0 -> LB; case 1 -> LH; case 2 -> LW; case 3 -> LD; case 4 -> LBU; case 5 -> LHU; case 6 -> LWU;
                    default -> 0;
                };
                return op == 0 ? illegal(insn) : entry(op, rd, rs1, 0, immI);
            }
            case 0x23: {
                int imm = ((insn >> 25) << 5) | ((insn >>> 7) & 31);
                int op = switch (f3) { case 0 -> SB; case 1 -> SH; case 2 -> SW; case 3 -> SD; default -> 0; };
                return op == 0 ? illegal(insn) : entry(op, 0, rs1, rs2, imm);
            }
            case 0x13: {
                int shamt = (insn >>> 20) & 63, top = insn >>> 26;
                switch (f3) {
                    case 0: return entry(ADDI, rd, rs1, 0, immI);
                    case 2: return entry(SLTI, rd, rs1, 0, immI);
                    case 3: return entry(SLTIU, rd, rs1, 0, immI);
                    case 4: return entry(XORI, rd, rs1, 0, immI);
                    case 6: return entry(ORI, rd, rs1, 0, immI);
                    case 7: return entry(ANDI, rd, rs1, 0, immI);
                    case 1: return top == 0 ? entry(SLLI, rd, rs1, 0, shamt) : illegal(insn);
                    default:
                        if (top == 0) return entry(SRLI, rd, rs1, 0, shamt);
                        if (top == 0x10) return entry(SRAI, rd, rs1, 0, shamt);
                        return illegal(insn);
                }
            }
            case 0x1b: {
                int shamt = (insn >>> 20) & 31;
                if (f3 == 0) return entry(ADDIW, rd, rs1, 0, immI);
                if (f3 == 1 && f7 == 0) return entry(SLLIW, rd, rs1, 0, shamt);
                if (f3 == 5 && f7 == 0) return entry(SRLIW, rd, rs1, 0, shamt);
                if (f3 == 5 && f7 == 0x20) return entry(SRAIW, rd, rs1, 0, shamt);
                return illegal(insn);
            }
            case 0x33: {
                int op = switch (f7) {
                    case 0 -> switch (f3) {
                        case 0 -> ADD; case 1 -> SLL; case 2 -> SLT; case 3 -> SLTU;
                        case 4 -> XOR; case 5 -> SRL; case 6 -> OR; default -> AND;
                    };
                    case 0x20 -> f3 == 0 ? SUB : f3 == 5 ? SRA : 0;
                    case 1 -> switch (f3) {
                        case 0 -> MUL; case 1 -> MULH; case 2 -> MULHSU; case 3 -> MULHU;
                        case 4 -> DIV; case 5 -> DIVU; case 6 -> REM; default -> REMU;
                    };
                    default -> 0;
                };
                return op == 0 ? illegal(insn) : entry(op, rd, rs1, rs2, 0);
            }
            case 0x3b: {
                int op = switch (f7) {
                    case 0 -> f3 == 0 ? ADDW : f3 == 1 ? SLLW : f3 == 5 ? SRLW : 0;
                    case 0x20 -> f3 == 0 ? SUBW : f3 == 5 ? SRAW : 0;
                    case 1 -> switch (f3) { case 0 -> MULW; case 4 -> DIVW; case 5 -> DIVUW; case 6 -> REMW; case 7 -> REMUW; default -> 0; };
                    default -> 0;
                };
                return op == 0 ? illegal(insn) : entry(op, rd, rs1, rs2, 0);
            }
            case 0x0f:
                if (f3 == 0) return entry(FENCE, 0, 0, 0, 0);
                if (f3 == 1) return entry(FENCE_I, 0, 0, 0, 0);
                return illegal(insn);
            case 0x73: {
                int csr = insn >>> 20;
                switch (f3) {
                    case 0:
                        if (insn == 0x00000073) return entry(ECALL, 0, 0, 0, 0);
                        if (insn == 0x00100073) return entry(EBREAK, 0, 0, 0, insn);
                        if (insn == 0x10200073) return entry(SRET, 0, 0, 0, insn);
                        if (insn == 0x10500073) return entry(WFI, 0, 0, 0, insn);
                        if (f7 == 0x09 && rd == 0) return entry(SFENCE_VMA, 0, rs1, rs2, insn);
                        return illegal(insn);
                    case 1: return entry(CSRRW, rd, rs1, 0, csr);
                    case 2: return entry(CSRRS, rd, rs1, 0, csr);
                    case 3: return entry(CSRRC, rd, rs1, 0, csr);
                    case 5: return entry(CSRRWI, rd, rs1, 0, csr);
                    case 6: return entry(CSRRSI, rd, rs1, 0, csr);
                    case 7: return entry(CSRRCI, rd, rs1, 0, csr);
                    default: return illegal(insn);
                }
            }
            case 0x2f: {
                int funct5 = insn >>> 27;
                boolean word = f3 == 2;
                if (!word && f3 != 3) return illegal(insn);
                if (funct5 == 0x02) return rs2 == 0 ? entry(word ? LR_W : LR_D, rd, rs1, 0, insn) : illegal(insn);
                if (funct5 == 0x03) return entry(word ? SC_W : SC_D, rd, rs1, rs2, insn);
                switch (funct5) {
                    case 0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c:
                        return entry(word ? AMO_W : AMO_D, rd, rs1, rs2, funct5);
                    default:
                        return illegal(insn);
                }
            }
            default:
                return illegal(insn);
        }
    }

    /** Decodes a 16-bit compressed instruction (its low two bits are not 0b11) into its expansion. */
    static long decode16(int h) {
        int f3 = (h >>> 13) & 7;
        int rdp = ((h >>> 2) & 7) + 8, rs1p = ((h >>> 7) & 7) + 8;
        int rd = (h >>> 7) & 31, rs2 = (h >>> 2) & 31;
        int imm6 = signExtend(((h >>> 7) & 0x20) | ((h >>> 2) & 0x1f), 6);
        long e;
        switch (h & 3) {
            case 0:
                switch (f3) {
                    case 0: {
                        int imm = ((h >>> 7) & 0x30) | ((h >>> 1) & 0x3c0) | ((h >>> 4) & 4) | ((h >>> 2) & 8);
                        e = imm == 0 ? illegal(h) : entry(ADDI, rdp, 2, 0, imm);
                        break;
                    }
                    case 2: e = entry(LW, rdp, rs1p, 0, ((h >>> 7) & 0x38) | ((h >>> 4) & 4) | ((h << 1) & 0x40)); break;
                    case 3: e = entry(LD, rdp, rs1p, 0, ((h >>> 7) & 0x38) | ((h << 1) & 0xc0)); break;
                    case 6: e = entry(SW, 0, rs1p, rdp, ((h >>> 7) & 0x38) | ((h >>> 4) & 4) | ((h << 1) & 0x40)); break;
                    case 7: e = entry(SD, 0, rs1p, rdp, ((h >>> 7) & 0x38) | ((h << 1) & 0xc0)); break;
                    default: e = illegal(h);
                }
                break;
            case 1:
                switch (f3) {
                    case 0: e = entry(ADDI, rd, rd, 0, imm6); break;
                    case 1: e = rd == 0 ? illegal(h) : entry(ADDIW, rd, rd, 0, imm6); break;
                    case 2: e = entry(ADDI, rd, 0, 0, imm6); break;
                    case 3:
                        if (rd == 2) {
                            int imm = signExtend(((h >>> 3) & 0x200) | ((h >>> 2) & 0x10) | ((h << 1) & 0x40)
                                    | ((h << 4) & 0x180) | ((h << 3) & 0x20), 10);
                            e = imm == 0 ? illegal(h) : entry(ADDI, 2, 2, 0, imm);
                        } else {
                            e = imm6 == 0 ? illegal(h) : entry(LUI, rd, 0, 0, imm6 << 12);
                        }
                        break;
                    case 4: {
                        int shamt = ((h >>> 7) & 0x20) | ((h >>> 2) & 0x1f);
                        switch ((h >>> 10) & 3) {
                            case 0: e = entry(SRLI, rs1p, rs1p, 0, shamt); break;
                            case 1: e = entry(SRAI, rs1p, rs1p, 0, shamt); break;
                            case 2: e = entry(ANDI, rs1p, rs1p, 0, imm6); break;
                            default: {
                                int sel = (h >>> 5) & 3;
                                if ((h & 0x1000) == 0) {
                                    int op = sel == 0 ? SUB : sel == 1 ? XOR : sel == 2 ? OR : AND;
                                    e = entry(op, rs1p, rs1p, rdp, 0);
                                } else if (sel < 2) {
                                    e = entry(sel == 0 ? SUBW : ADDW, rs1p, rs1p, rdp, 0);
                                } else {
                                    e = illegal(h);
                                }
                            }
                        }
                        break;
                    }
                    case 5: {
                        int imm = ((h >>> 1) & 0x800) | ((h >>> 7) & 0x10) | ((h >>> 1) & 0x300) | ((h << 2) & 0x400)
                                | ((h >>> 1) & 0x40) | ((h << 1) & 0x80) | ((h >>> 2) & 0xe) | ((h << 3) & 0x20);
                        e = entry(JAL, 0, 0, 0, signExtend(imm, 12));
                        break;
                    }
                    default: {
                        int imm = ((h >>> 4) & 0x100) | ((h >>> 7) & 0x18) | ((h << 1) & 0xc0) | ((h >>> 2) & 6) | ((h << 3) & 0x20);
                        e = entry(f3 == 6 ? BEQ : BNE, 0, rs1p, 0, signExtend(imm, 9));
                    }
                }
                break;
            default:
                switch (f3) {
                    case 0: e = entry(SLLI, rd, rd, 0, ((h >>> 7) & 0x20) | ((h >>> 2) & 0x1f)); break;
                    case 2: e = rd == 0 ? illegal(h) : entry(LW, rd, 2, 0, ((h >>> 7) & 0x20) | ((h >>> 2) & 0x1c) | ((h << 4) & 0xc0)); break;
                    case 3: e = rd == 0 ? illegal(h) : entry(LD, rd, 2, 0, ((h >>> 7) & 0x20) | ((h >>> 2) & 0x18) | ((h << 4) & 0x1c0)); break;
                    case 4:
                        if ((h & 0x1000) == 0) {
                            if (rs2 == 0) e = rd == 0 ? illegal(h) : entry(JALR, 0, rd, 0, 0);
                            else e = entry(ADD, rd, 0, rs2, 0);
                        } else {
                            if (rd == 0 && rs2 == 0) e = entry(EBREAK, 0, 0, 0, h);
                            else if (rs2 == 0) e = entry(JALR, 1, rd, 0, 0);
                            else e = entry(ADD, rd, rd, rs2, 0);
                        }
                        break;
                    case 6: e = entry(SW, 0, 2, rs2, ((h >>> 7) & 0x3c) | ((h >>> 1) & 0xc0)); break;
                    case 7: e = entry(SD, 0, 2, rs2, ((h >>> 7) & 0x38) | ((h >>> 1) & 0x1c0)); break;
                    default: e = illegal(h);
                }
        }
        return compressed(e);
    }

    private static long illegal(int bits) {
        return entry(ILLEGAL, 0, 0, 0, bits);
    }

    private static int signExtend(int value, int bits) {
        int shift = 32 - bits;
        return (value << shift) >> shift;
    }
}
