/*
 * riscv_test.h - a Hotvisor environment for the public RISC-V ISA tests (riscv-tests, isa/rv64u*).
 *
 * Those tests are written against a small macro interface that each environment supplies. This
 * one runs them as Hotvisor guests: S-mode from _start at 0x80200000, results over SBI instead
 * of a host-target interface. A pass shuts down through SBI SRST with reason "none" (hv run exits
 * 0); a fail prints "F <test number in hex>" on the SBI console and shuts down with reason
 * "system failure" (exit 1); an unexpected trap prints "T" and does the same.
 */
#ifndef HOTVISOR_RISCV_TEST_H
#define HOTVISOR_RISCV_TEST_H

#define TESTNUM gp

#define RVTEST_RV64U .macro init; .endm
#define RVTEST_RV32U RVTEST_RV64U

#define HV_SBI_PUTCHAR(c) li a7, 1; li a0, c; ecall
#define HV_SBI_SHUTDOWN(reason) li a7, 0x53525354; li a6, 0; li a0, 0; li a1, reason; ecall

#define RVTEST_CODE_BEGIN                                                 \
  .section .text.init; .align 6; .globl _start;                           \
_start:                                                                   \
  la t0, hv_unexpected_trap; csrw stvec, t0;                              \
  li TESTNUM, 0;                                                          \
  init;

#define RVTEST_CODE_END                                                   \
  .align 2;                                                               \
hv_unexpected_trap:                                                       \
  HV_SBI_PUTCHAR(0x54);                                                   \
  HV_SBI_SHUTDOWN(1);                                                     \
  unimp

#define RVTEST_PASS                                                       \
  fence;                                                                  \
  HV_SBI_SHUTDOWN(0);

/* The failing test's number, 16 hex digits from the top, then a newline. Local labels 98 and 99,
   which no test uses: a test's own "2f" must not land in this code. */
#define RVTEST_FAIL                                                       \
  fence;                                                                  \
  mv s11, TESTNUM;                                                        \
  HV_SBI_PUTCHAR(0x46); HV_SBI_PUTCHAR(0x20);                             \
  li s10, 60;                                                             \
98:srl t0, s11, s10; andi t0, t0, 15;                                     \
  li t1, 10; blt t0, t1, 99f; addi t0, t0, 39;                            \
99:addi a0, t0, 48; li a7, 1; ecall;                                      \
  addi s10, s10, -4; bgez s10, 98b;                                       \
  HV_SBI_PUTCHAR(10);                                                     \
  HV_SBI_SHUTDOWN(1);

#define EXTRA_DATA

#define RVTEST_DATA_BEGIN                                                 \
  EXTRA_DATA                                                              \
  .align 4; .global begin_signature; begin_signature:

#define RVTEST_DATA_END .align 4; .global end_signature; end_signature:

#endif
