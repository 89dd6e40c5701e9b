/*
 * attack: the malicious guest of the XSA-HV-1 live-patch sample (patch-samples/xsa-hv-1).
 *
 * HV_DEBUG_PEEK (domid, gpa) lets a domain read its own RAM through the hypervisor; the
 * sample's bad update (xsa-hv-1-regression) drops the check that domid is the caller's. This guest
 * looks up the domain named "victim", scans the victim's image (linked at 0x80200000 like
 * every sample guest) for the bytes "counter:" (the counter guest's format string) and prints
 * what it leaked, once. It then keeps reading the victim's RAM until the hypervisor refuses:
 *
 *   attack: leaked from domain N at 0x...: "counter: %d"      (the hole is open)
 *   attack: denied with SBI error -4 after K leaking reads    (the check is there; exit 0)
 *
 * Any other result is printed and the guest exits with a failure. It is a test fixture only:
 * HV_DEBUG_PEEK is deliberately not in include/sbi.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sbi.h"

#define HV_DEBUG_PEEK 7 /* (domid, gpa) -> 64-bit word at gpa; TEST FIXTURE, see above */
#define IMAGE_BASE 0x80200000ul
#define SCAN_BYTES 0x4000ul

static struct sbiret peek(long domid, unsigned long gpa)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_DEBUG_PEEK, (unsigned long)domid, gpa, 0, 0, 0, 0);
}

static const char victim_name[] = "victim";

int main(void)
{
    struct sbiret r;
    long tries = 0;
    do {
        r = hv_domain_lookup(victim_name, sizeof victim_name - 1);
    } while (r.error == SBI_ERR_INVALID_PARAM && ++tries < 1000000);
    if (r.error) {
        printf("attack: no domain named victim: error %ld\n", r.error);
        return 1;
    }
    long victim = r.value;

    static uint8_t image[SCAN_BYTES];
    static const char marker[] = "counter:";
    long leaks = 0;
    for (int printed = 0;; printed = 1) {
        for (unsigned long off = 0; off < SCAN_BYTES; off += 8) {
            r = peek(victim, IMAGE_BASE + off);
            if (r.error == SBI_ERR_DENIED) {
                printf("attack: denied with SBI error %ld after %ld leaking reads\n", r.error, leaks);
                return 0;
            }
            if (r.error) {
                printf("attack: peek failed: error %ld\n", r.error);
                return 2;
            }
            memcpy(image + off, &r.value, 8);
            leaks++;
        }
        if (printed) continue;
        for (unsigned long i = 0; i + 24 < SCAN_BYTES; i++) {
            if (memcmp(image + i, marker, sizeof marker - 1) != 0) continue;
            char text[24];
            unsigned n = 0;
            while (n < sizeof text - 1 && image[i + n] >= 0x20 && image[i + n] < 0x7f) {
                text[n] = (char)image[i + n];
                n++;
            }
            text[n] = 0;
            printf("attack: leaked from domain %ld at 0x%lx: \"%s\"\n", victim, IMAGE_BASE + i, text);
            break;
        }
    }
}
