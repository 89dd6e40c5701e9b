/** Event channels: per-domain ports, interdomain binding, send, poll and close (Xen's event_channel.c). */
package io.hotvisor.runtime.evtchn;
