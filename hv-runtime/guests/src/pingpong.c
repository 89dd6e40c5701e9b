/*
 * ping / pong: two domains exchanging events over Hotvisor's event channels
 * (vendor SBI extension 0x09485600). Built twice: -DROLE_PING and -DROLE_PONG.
 *
 * pong: looks up the domain "ping", allocates an unbound port offered to it
 *       (the first port a domain allocates is 1), then 1000 times: poll, send.
 * ping: looks up "pong", binds to pong's port 1 (retrying while pong has not
 *       allocated it yet), then 1000 times: send, poll.
 *
 * Hotvisor only: QEMU/OpenSBI has no such extension.
 */
#include <stdio.h>
#include <string.h>
#include "sbi.h"

#define ROUNDS 1000
#define RETRIES 100000
#define SPIN 500

#if defined(ROLE_PING)
#define SELF "ping"
#define PEER "pong"
#elif defined(ROLE_PONG)
#define SELF "pong"
#define PEER "ping"
#else
#error "build with -DROLE_PING or -DROLE_PONG"
#endif

static const char peer_name[] = PEER;

/* Busy-wait a little without any SBI call (no yield). */
static void spin(void)
{
    for (int i = 0; i < SPIN; i++)
        __asm__ volatile("" ::: "memory");
}

static int failed(const char *call, long error)
{
    printf(SELF ": %s failed: error %ld\n", call, error);
    return 1;
}

/* The peer domain may not have been created yet: retry while unknown. */
static long lookup_peer(void)
{
    struct sbiret r;
    for (int tries = 0;; tries++) {
        r = hv_domain_lookup(peer_name, strlen(peer_name));
        if (r.error != SBI_ERR_INVALID_PARAM || tries == RETRIES)
            break;
        spin();
    }
    if (r.error != SBI_SUCCESS) {
        failed("domain_lookup(\"" PEER "\")", r.error);
        return -1;
    }
    return r.value;
}

int main(void)
{
    long peer = lookup_peer();
    if (peer < 0)
        return 1;

    struct sbiret r;
#ifdef ROLE_PONG
    r = hv_evtchn_alloc_unbound((unsigned long)peer);
    if (r.error != SBI_SUCCESS)
        return failed("evtchn_alloc_unbound", r.error);
    unsigned long port = (unsigned long)r.value;

    for (int i = 0; i < ROUNDS; i++) {
        r = hv_evtchn_poll(port);
        if (r.error != SBI_SUCCESS)
            return failed("evtchn_poll", r.error);
        r = hv_evtchn_send(port);
        if (r.error != SBI_SUCCESS)
            return failed("evtchn_send", r.error);
    }
    printf("pong: %d events\n", ROUNDS);
#else
    /* pong's first (and only) unbound port is port 1. */
    for (int tries = 0;; tries++) {
        r = hv_evtchn_bind_interdomain((unsigned long)peer, 1);
        if (r.error != SBI_ERR_INVALID_STATE || tries == RETRIES)
            break;
        spin();
    }
    if (r.error != SBI_SUCCESS)
        return failed("evtchn_bind_interdomain", r.error);
    unsigned long port = (unsigned long)r.value;

    for (int i = 0; i < ROUNDS; i++) {
        r = hv_evtchn_send(port);
        if (r.error != SBI_SUCCESS)
            return failed("evtchn_send", r.error);
        r = hv_evtchn_poll(port);
        if (r.error != SBI_SUCCESS)
            return failed("evtchn_poll", r.error);
    }
    printf("ping: %d round trips\n", ROUNDS);
#endif
    hv_evtchn_close(port);
    return 0;
}
