/*
 * primes: sieve of Eratosthenes over [0, 1000000) with a bitmap in .bss
 * (one bit per number, set = composite); prints the number of primes.
 */
#include <stdint.h>
#include <stdio.h>

#define LIMIT 1000000u

static uint64_t composite[(LIMIT + 63) / 64];

static inline int is_composite(uint32_t n)
{
    return (composite[n >> 6] >> (n & 63)) & 1;
}

static inline void mark(uint32_t n)
{
    composite[n >> 6] |= (uint64_t)1 << (n & 63);
}

int main(void)
{
    mark(0);
    mark(1);
    for (uint32_t p = 2; p * p < LIMIT; p++) {
        if (is_composite(p))
            continue;
        for (uint32_t m = p * p; m < LIMIT; m += p)
            mark(m);
    }
    uint32_t count = 0;
    for (uint32_t n = 0; n < LIMIT; n++)
        count += !is_composite(n);
    printf("primes below %u: %u\n", LIMIT, count);
    return count == 78498 ? 0 : 1;
}
