/*
 * counter: a long-running guest. 32 rounds of 2^20 iterations of integer
 * work (a 64-bit LCG step folded into a checksum: about 6 instructions per
 * iteration, about 200 million in total), one progress line per round, then
 * "counter: done". Used to keep a vCPU busy while the host is patched or
 * rendezvoused underneath it; the checksum catches a miscomputed step.
 */
#include <stdint.h>
#include <stdio.h>

#define ROUNDS 32
#define ITERATIONS (1u << 20)
#define EXPECTED_CHECKSUM 0x3cdd09823ull /* computed on the host, see README */

int main(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint64_t checksum = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        for (uint32_t i = 0; i < ITERATIONS; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            checksum ^= x >> 29;
        }
        printf("counter: %d\n", round);
    }
    if (checksum != EXPECTED_CHECKSUM) {
        printf("counter: wrong checksum %llx\n", (unsigned long long)checksum);
        return 1;
    }
    printf("counter: done\n");
    return 0;
}
