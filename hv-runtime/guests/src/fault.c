/*
 * fault: deliberately crashes. Sets stvec to 0 (no trap handler; OpenSBI
 * leaves stvec pointing at the kernel entry, so it is cleared explicitly)
 * and loads from guest-physical address 0, which is outside RAM.
 * On Hotvisor the domain is crashed with a logged reason and nothing after
 * the first line is ever printed. (On QEMU the trap goes to address 0 and
 * the hart spins on instruction access faults: not part of QEMU parity.)
 */
#include <stdio.h>

int main(void)
{
    unsigned long value;
    printf("fault: about to load from 0x0\n");
    __asm__ volatile("csrw stvec, zero" ::: "memory");
    /* Inline asm: a C null dereference would be turned into a trap by GCC. */
    __asm__ volatile("ld %0, 0(%1)" : "=r"(value) : "r"(0ul) : "memory");
    printf("fault: still alive after loading %lx from 0x0\n", value);
    return 1;
}
