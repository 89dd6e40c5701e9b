/*
 * crt0.S - entry point of every Hotvisor sample guest.
 *
 * Entered in S-mode at 0x80200000 (as OpenSBI does on QEMU virt) with
 * a0 = hart id and a1 = device tree address; the guests ignore a1.
 * No MMU (satp stays 0), no floating point.
 *
 * Sets gp, sp and tp (picolibc keeps errno in thread-local storage),
 * zeroes .tbss/.bss, calls main(), then shuts down through SBI SRST:
 * main() == 0 -> reason 0 (no reason), otherwise reason 1 (system failure).
 */
    .file "crt0.S"
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      tp, __tls_base
#ifdef HV_MEASURE
    csrr    s0, instret
#endif

    /* zero .tbss and .bss (8-byte aligned, see guest.ld) */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
#ifdef HV_MEASURE
    la      t0, hv_instret_at_start
    sd      s0, 0(t0)
#endif
    li      a0, 0
    li      a1, 0
    call    main
    tail    _exit
    .size _start, . - _start
