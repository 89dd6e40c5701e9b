/**
 * The {@code .hvp} container: {@link io.hotvisor.patch.format.payload.PayloadWriter} turns a
 * {@link io.hotvisor.patch.format.payload.PayloadDraft} into signed, byte-for-byte reproducible
 * payload bytes, and {@link io.hotvisor.patch.format.payload.PayloadReader} turns bytes back into a
 * verified in-memory {@link io.hotvisor.patch.format.payload.Payload}, refusing anything the README
 * does not allow.
 *
 * <pre>
 *  PayloadDraft ──PayloadWriter──► ZIP (stored, sorted, fixed times)
 *                                    bundles/&lt;bundle&gt;_&lt;to-version&gt;.jar ...   (bundle-update)
 *                                    classes/&lt;bundle&gt;/&lt;a/b/C&gt;.class ...      (livepatch)
 *                                    patch.json   (manifest, canonical JSON)
 *                                    patch.sig    (Ed25519 over the canonical digest)
 *  bytes ──PayloadReader──► strict ZIP parse (caps checked before and while inflating)
 *                           ─► manifest (strict JSON) ─► entries == manifest
 *                           ─► class and jar SHA-256s ─► payload build-id ─► signature (trusted key)
 *                           ─► class files parse (ASM) and name what their entries name
 *                           ─► each jar: the same bounded ZIP parse, MANIFEST.MF names its
 *                              bundle and version, its class files name what their paths name
 *                           ─► Payload (in memory; nothing is ever written to disk)
 * </pre>
 *
 * The ZIP reading and writing is done here, not with {@code java.util.zip}'s stream classes,
 * because the reader must see the central directory and the local headers together to refuse
 * duplicates, overlaps and size lies, and the writer must control every header byte. Bundle jars
 * are read with the same parser, for the same reasons.
 */
package io.hotvisor.patch.format.payload;
