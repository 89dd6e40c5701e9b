/*
 * runtime.c - the small SBI runtime shared by all sample guests:
 * picolibc tinystdio's stdin/stdout/stderr on the SBI console, and _exit()
 * through SBI SRST.
 */
#include <stdio.h>
#include <stdlib.h>
#include "sbi.h"

static int sbi_stdio_putc(char c, FILE *file)
{
    (void)file;
    sbi_console_putchar((unsigned char)c);
    return (unsigned char)c;
}

static int sbi_stdio_getc(FILE *file)
{
    (void)file;
    long c;
    /* Legacy getchar returns -1 while no character is available. */
    while ((c = sbi_legacy_ecall(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0)) < 0)
        ;
    return (int)(unsigned char)c;
}

static FILE sbi_stdio = FDEV_SETUP_STREAM(sbi_stdio_putc, sbi_stdio_getc, NULL, _FDEV_SETUP_RW);

FILE *const stdin = &sbi_stdio;
FILE *const stdout = &sbi_stdio;
FILE *const stderr = &sbi_stdio;

#ifdef HV_MEASURE
/* Measurement builds only (make measure): report retired instructions. */
unsigned long hv_instret_at_start; /* written by crt0 */
#endif

void _exit(int status)
{
#ifdef HV_MEASURE
    unsigned long now;
    __asm__ volatile("csrr %0, instret" : "=r"(now));
    printf("[measure] instructions retired: %lu\n", now - hv_instret_at_start);
#endif
    sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN,
                     status == 0 ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_SYSTEM_FAILURE);
    /* SRST returned: not supported or refused. Nothing else to do but idle. */
    for (;;)
        __asm__ volatile("wfi");
}
