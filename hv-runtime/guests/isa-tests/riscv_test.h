/*
 * riscv_test.h - a Hotvisor environment for the public RISC-V ISA tests (riscv-tests, isa/rv64u*).
 *
 * Those tests are written against a small macro interface that each environment supplies. This
 * one runs them as Hotvisor guests: S-mode from _start at 0x80200000, results over SBI instead
 * of a host-target interface; a test's own stvec_handler, when it has one, takes its traps. A pass shuts down through SBI SRST with reason "none" (hv run exits
 * 0); a fail prints "F <test number in hex>" on the SBI console and shuts down with reason
 * "system failure" (exit 1); an unexpected trap prints "T" and does the same.
 */
#ifndef HOTVISOR_RISCV_TEST_H
#define HOTVISOR_RISCV_TEST_H

#define TESTNUM gp

#define RVTEST_RV64U .macro init; .endm
#define RVTEST_RV32U RVTEST_RV64U
/* Supervisor tests run where Hotvisor runs every guest: in S-mode. */
#define RVTEST_RV64S RVTEST_RV64U
#define RVTEST_RV32S RVTEST_RV64U

/* The privileged architecture's values that the supervisor tests name (RISC-V privileged spec). */
#define CAUSE_MISALIGNED_FETCH 0x0
#define CAUSE_ILLEGAL_INSTRUCTION 0x2
#define CAUSE_BREAKPOINT 0x3
#define CAUSE_USER_ECALL 0x8
#define CAUSE_SUPERVISOR_ECALL 0x9
#define CAUSE_MACHINE_ECALL 0xb
#define SSTATUS_SIE 0x00000002
#define SSTATUS_SPIE 0x00000020
#define SSTATUS_SPP 0x00000100
#define SSTATUS_UXL 0x0000000300000000
#define MSTATUS_MPP 0x00001800
#define MSTATUS_FS 0x00006000
#define SIP_SSIP 0x00000002

#define HV_SBI_PUTCHAR(c) li a7, 1; li a0, c; ecall
#define HV_SBI_SHUTDOWN(reason) li a7, 0x53525354; li a6, 0; li a0, 0; li a1, reason; ecall

#define RVTEST_CODE_BEGIN                                                 \
  .section .text.init; .align 6; .globl _start;                           \
_start:                                                                   \
  .weak stvec_handler;                                                    \
  la t0, stvec_handler; bnez t0, 97f; la t0, hv_unexpected_trap;         \
97:csrw stvec, t0;                                                        \
  li TESTNUM, 0;                                                          \
  init;

#define RVTEST_CODE_END                                                   \
  .align 2;                                                               \
hv_unexpected_trap:                                                       \
  HV_SBI_PUTCHAR(0x54);                                                   \
  HV_SBI_SHUTDOWN(1);                                                     \
  unimp

/* TESTNUM 1 on the way out: a test whose pass runs in U-mode has its own trap handler catch the
   ecall and pass again from S-mode, and tells that ecall from a failing test's by TESTNUM. */
#define RVTEST_PASS                                                       \
  fence;                                                                  \
  li TESTNUM, 1;                                                          \
  HV_SBI_SHUTDOWN(0);

/* The failing test's number, 16 hex digits from the top, then a newline. Local labels 97-99 are
   this file's, which no test uses: a test's own "2f" must not land in this code. */
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
