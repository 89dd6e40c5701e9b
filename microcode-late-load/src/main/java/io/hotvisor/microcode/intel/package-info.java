/**
 * Intel microcode updates: the binary format of Intel SDM vol. 3A, section 10.11 "Microcode
 * Update Facilities", checked as Linux's {@code arch/x86/kernel/cpu/microcode/intel.c} checks it.
 *
 * <p>{@link io.hotvisor.microcode.intel.IntelMicrocodeParser} reads a file of updates stored back to
 * back into {@link io.hotvisor.microcode.intel.IntelMicrocodeUpdate} records, refusing the whole file
 * at the first rule broken. Matching an update to a CPU follows Linux's
 * {@code intel_find_matching_signature}.
 *
 * <pre>
 *  offset  field (little-endian dwords)
 *  0x00    header version (1)        0x18  processor flags (platform mask)
 *  0x04    update revision           0x1C  data size (0: 2000)
 *  0x08    date, BCD 0xMMDDYYYY      0x20  total size (data size 0: 2048)
 *  0x0C    processor signature       0x24  metadata size
 *  0x10    checksum                  0x28  minimum revision for a safe late load
 *  0x14    loader revision (1)       0x2C  reserved
 *  0x30    data ... (data size bytes)
 *  48+data optional extended signature table: count, checksum, 12 reserved bytes,
 *          then count x {signature, processor flags, checksum}
 * </pre>
 */
package io.hotvisor.microcode.intel;
