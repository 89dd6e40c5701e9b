/*
 * traps: installs an S-mode trap handler (stvec) and, in sequence, takes and
 * handles an illegal instruction, a breakpoint (c.ebreak), a load access
 * fault (address 0x10, outside RAM) and a supervisor timer interrupt
 * (SBI TIME set_timer), then shuts down cleanly. Every trap prints one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "sbi.h"

#define SCAUSE_INTERRUPT (1ul << 63)
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_LOAD_ACCESS_FAULT 5
#define IRQ_S_TIMER 5

#define SIE_STIE (1ul << 5)
#define SSTATUS_SIE (1ul << 1)

#define csr_read(csr) ({ unsigned long v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" : : "r"((unsigned long)(val)) : "memory")
#define csr_set(csr, bits) __asm__ volatile("csrs " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")
#define csr_clear(csr, bits) __asm__ volatile("csrc " #csr ", %0" : : "r"((unsigned long)(bits)) : "memory")

extern void trap_entry(void);

static volatile unsigned long last_cause = ~0ul;
static volatile int timer_fired;

/* Length of the instruction at pc: 2 if compressed (low bits != 11), else 4. */
static unsigned long insn_length(unsigned long pc)
{
    uint16_t low = *(volatile uint16_t *)pc;
    return (low & 3) == 3 ? 4 : 2;
}

void trap_handler(unsigned long *frame)
{
    (void)frame;
    unsigned long scause = csr_read(scause);
    unsigned long sepc = csr_read(sepc);

    if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        sbi_set_timer(~0ul);   /* also clears the pending timer interrupt */
        timer_fired = 1;
        last_cause = scause;
        printf("trap: timer interrupt\n");
        return;
    }

    switch (scause) {
    case CAUSE_ILLEGAL_INSTRUCTION:
        printf("trap: scause=2 illegal instruction\n");
        break;
    case CAUSE_BREAKPOINT:
        printf("trap: scause=3 breakpoint\n");
        break;
    case CAUSE_LOAD_ACCESS_FAULT:
        printf("trap: scause=5 load access fault\n");
        break;
    default:
        printf("trap: unexpected scause=%lx sepc=%lx stval=%lx\n", scause, sepc,
               csr_read(stval));
        exit(1);
    }
    last_cause = scause;
    csr_write(sepc, sepc + insn_length(sepc)); /* skip the trapping instruction */
}

static void expect(unsigned long cause, const char *what)
{
    if (last_cause != cause) {
        printf("traps: no %s trap (last scause=%lx)\n", what, last_cause);
        exit(1);
    }
    last_cause = ~0ul;
}

int main(void)
{
    csr_write(stvec, (unsigned long)trap_entry); /* direct mode */

    /* 1. Illegal instruction: the canonical 32-bit UNIMP, csrrw x0, cycle, x0
       (0xc0001073: a write to a read-only CSR). */
    __asm__ volatile(".option push\n.option norvc\nunimp\n.option pop" ::: "memory");
    expect(CAUSE_ILLEGAL_INSTRUCTION, "illegal instruction");

    /* 2. Breakpoint: with the C extension this assembles to c.ebreak (2 bytes). */
    __asm__ volatile("ebreak" ::: "memory");
    expect(CAUSE_BREAKPOINT, "breakpoint");

    /* 3. Load access fault: address 0x10 is not RAM. */
    {
        unsigned long value = 0;
        __asm__ volatile("ld %0, 0(%1)" : "+r"(value) : "r"(0x10ul) : "memory");
        (void)value;
    }
    expect(CAUSE_LOAD_ACCESS_FAULT, "load access fault");

    /* 4. Timer interrupt, 10000 ticks from now. sstatus.SIE is only opened
       briefly after wfi returns, so the interrupt cannot slip in between
       the check of timer_fired and wfi (wfi wakes up for an interrupt that
       is pending and enabled in sie even while sstatus.SIE is clear). */
    unsigned long now = csr_read(time);
    sbi_set_timer(now + 10000);
    csr_set(sie, SIE_STIE);
    while (!timer_fired) {
        __asm__ volatile("wfi" ::: "memory");
        csr_set(sstatus, SSTATUS_SIE);
        csr_clear(sstatus, SSTATUS_SIE);
    }
    csr_clear(sie, SIE_STIE);
    expect(SCAUSE_INTERRUPT | IRQ_S_TIMER, "timer interrupt");

    printf("traps: done\n");
    return 0;
}
