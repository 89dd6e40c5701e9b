package io.hotvisor.patch.format.payload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.ManifestCodec;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutates valid payloads (two livepatches and a bundle-update) many thousands of times with a fixed
 * seed. Every mutation must be either accepted with exactly the original meaning (same manifest,
 * same class and jar bytes), accepted as a new payload when a trusted key re-signed it, or refused
 * with a documented {@link PayloadError}; no other exception may escape. A dishonest builder's edit
 * (broken class or jar, hashes and build-id fixed up, re-signed) reaches the class and jar checks
 * that a signature would otherwise guard. The small caps keep oversized entries cheap; the 256 MiB
 * test heap keeps memory bounded.
 */
class PayloadFuzzTest {
    private static final long SEED = 0x48565041594c4fL; // "HVPAYLO"
    private static final int MUTATIONS = 15_000;
    private static final PayloadLimits LIMITS = new PayloadLimits(4 << 20, 64, 64 << 10, 64 << 10, 512 << 10);
    /** One MiB of zeros, deflated: about 1 KiB, over the 64 KiB entry cap once inflated. */
    private static final byte[] SMALL_BOMB = RawZip.deflate(new byte[1 << 20]);
    private static final List<String> NASTY_NAMES = List.of("../patch.json", "/patch.json", "classes\\x.class",
            "classes/./x.class", "classes//x.class", "C:/x", "patch.json/", "classes/io.hotvisor.runtime/x\u0001.class",
            "", "PATCH.JSON", "patch.sig ", "classes/");

    private final SigningKey key = Fixtures.key(42);
    private final SigningKey stranger = Fixtures.key(43);
    private final TrustStore trust = TrustStore.of(List.of(key.publicKey(), stranger.publicKey()));
    private final PayloadReader reader = new PayloadReader(LIMITS);
    private final ObjectMapper json = new ObjectMapper();

    /** A mutated payload; {@code resignedManifest} is set when the mutation re-signed it with a trusted key. */
    private record Mutant(byte[] bytes, byte[] resignedManifest) {
        static Mutant of(byte[] bytes) {
            return new Mutant(bytes, null);
        }
    }

    private enum Mutation {
        BIT_FLIP, TRUNCATE, REORDER, DUPLICATE, RENAME, SWAP_SIGNATURE, OVERSIZE, ZIP_BOMB, CONTENT_EDIT,
        MANIFEST_EDIT, SPLICE, DISHONEST_EDIT
    }

    @Test
    void everyMutationIsAcceptedUnchangedOrRefusedWithADocumentedCode() throws Exception {
        List<byte[]> originals = List.of(
                PayloadWriter.write(Fixtures.draft("fuzz-a", 3), key),
                PayloadWriter.write(Fixtures.draft("fuzz-b", 1), key),
                PayloadWriter.write(Fixtures.bundleDraft("fuzz-c"), key));
        byte[] otherSignature = Fixtures.entries(PayloadWriter.write(Fixtures.draft("fuzz-a", 3), stranger))
                .get("patch.sig");
        Random random = new Random(SEED);
        Map<PayloadError, Integer> refused = new EnumMap<>(PayloadError.class);
        Map<Mutation, Integer> tried = new EnumMap<>(Mutation.class);
        List<String> unexpected = new ArrayList<>();
        int accepted = 0;
        int acceptedResigned = 0;
        int unexpectedCount = 0;
        long start = System.nanoTime();
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] original = originals.get(random.nextInt(originals.size()));
            Mutation mutation = Mutation.values()[random.nextInt(Mutation.values().length)];
            tried.merge(mutation, 1, Integer::sum);
            Mutant mutant = mutate(mutation, original, otherSignature, random);
            try {
                Payload payload = reader.verify(mutant.bytes(), trust);
                if (mutant.resignedManifest() == null) {
                    assertSameMeaning(reader.verify(original, trust), payload, mutation);
                    accepted++;
                } else {
                    // A trusted key signed the change: a new valid payload, which must read back as signed.
                    assertEquals(ManifestCodec.read(mutant.resignedManifest()), payload.manifest());
                    acceptedResigned++;
                }
            } catch (PayloadException e) {
                refused.merge(e.error(), 1, Integer::sum);
            } catch (RuntimeException | Error e) {
                unexpectedCount++;
                if (unexpected.size() < 5) {
                    String text = String.valueOf(e);
                    unexpected.add(mutation + " #" + i + ": " + text.substring(0, Math.min(300, text.length())));
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        int refusedTotal = refused.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("payload fuzz: seed %#x, %d mutations tried in %d ms: %d accepted unchanged, "
                        + "%d accepted as re-signed by a trusted key, %d refused, %d undocumented exceptions%n",
                SEED, MUTATIONS, millis, accepted, acceptedResigned, refusedTotal, unexpectedCount);
        System.out.println("payload fuzz: mutations by kind " + new TreeMap<>(tried));
        System.out.println("payload fuzz: refused by error code " + refused);
        assertTrue(unexpected.isEmpty(), "undocumented exceptions escaped: " + unexpected);
        assertEquals(MUTATIONS, accepted + acceptedResigned + refusedTotal);
        assertTrue(accepted > 0 && refused.size() >= 10, "the fuzzer should reach most checks: " + refused);
    }

    private static void assertSameMeaning(Payload original, Payload accepted, Mutation mutation) {
        assertEquals(original.manifest(), accepted.manifest(), mutation + " changed the manifest yet was accepted");
        for (ClassEntry entry : original.manifest().classes()) {
            assertArrayEquals(original.classBytes(entry), accepted.classBytes(entry), mutation + " changed " + entry);
        }
        for (BundleEntry entry : original.manifest().bundles()) {
            assertArrayEquals(original.bundleBytes(entry), accepted.bundleBytes(entry), mutation + " changed " + entry);
        }
    }

    private Mutant mutate(Mutation mutation, byte[] original, byte[] otherSignature, Random random) throws Exception {
        Map<String, byte[]> entries = Fixtures.entries(original);
        List<String> names = new ArrayList<>(entries.keySet());
        if (mutation == Mutation.DISHONEST_EDIT) {
            Map<String, byte[]> edited = dishonestEdit(entries, names, random);
            return new Mutant(Fixtures.zip(Fixtures.resign(edited, key)), edited.get("patch.json"));
        }
        if (mutation == Mutation.CONTENT_EDIT || mutation == Mutation.MANIFEST_EDIT) {
            Map<String, byte[]> edited = mutation == Mutation.CONTENT_EDIT ? editContent(entries, names, random)
                    : replaced(entries, "patch.json", "patch.json", editManifest(entries.get("patch.json"), random));
            return random.nextBoolean()
                    ? new Mutant(Fixtures.zip(Fixtures.resign(edited, key)), edited.get("patch.json"))
                    : Mutant.of(Fixtures.zip(edited));
        }
        return Mutant.of(switch (mutation) {
            case BIT_FLIP -> {
                byte[] b = original.clone();
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case TRUNCATE -> Arrays.copyOf(original, random.nextInt(original.length));
            case REORDER -> {
                Collections.shuffle(names, random);
                RawZip zip = new RawZip();
                for (String name : names) {
                    zip.add(random.nextBoolean() ? RawZip.Entry.deflated(name, entries.get(name))
                            : RawZip.Entry.stored(name, entries.get(name)));
                }
                yield zip.build();
            }
            case DUPLICATE -> {
                RawZip zip = new RawZip();
                entries.forEach(zip::stored);
                String twice = names.get(random.nextInt(names.size()));
                byte[] content = random.nextBoolean() ? entries.get(twice) : new byte[] {1, 2, 3};
                yield zip.stored(twice, content).build();
            }
            case RENAME -> {
                String victim = names.get(random.nextInt(names.size()));
                String renamed = random.nextBoolean() ? NASTY_NAMES.get(random.nextInt(NASTY_NAMES.size()))
                        : changeOneChar(victim, random);
                yield rebuild(entries, victim, renamed, entries.get(victim));
            }
            case SWAP_SIGNATURE -> rebuild(entries, "patch.sig", "patch.sig", random.nextBoolean() ? otherSignature
                    : Fixtures.entries(PayloadWriter.write(Fixtures.draft("fuzz-other", 2), key)).get("patch.sig"));
            case OVERSIZE -> {
                String victim = names.get(random.nextInt(names.size()));
                byte[] big = Arrays.copyOf(entries.get(victim), (int) LIMITS.maxEntryBytes() + 1 + random.nextInt(1000));
                yield rebuild(entries, victim, victim, big);
            }
            case ZIP_BOMB -> {
                RawZip zip = new RawZip();
                entries.forEach(zip::stored);
                long declared = random.nextBoolean() ? ZipBombs.GIB : random.nextInt(4096);
                yield zip.precompressed("classes/io.hotvisor.runtime/Bomb" + random.nextInt(3) + ".class",
                        ZipBombs.deflatedGibOfZeros(), declared).build();
            }
            case SPLICE -> {
                byte[] b = original.clone();
                int at = random.nextInt(b.length);
                int length = Math.min(b.length - at, 1 + random.nextInt(64));
                for (int k = 0; k < length; k++) {
                    b[at + k] = (byte) random.nextInt(256);
                }
                yield b;
            }
            case CONTENT_EDIT, MANIFEST_EDIT, DISHONEST_EDIT -> throw new AssertionError("handled above");
        });
    }

    private static Map<String, byte[]> editContent(Map<String, byte[]> entries, List<String> names, Random random) {
        String victim = names.get(random.nextInt(names.size()));
        byte[] content = entries.get(victim).clone();
        if (content.length > 0) {
            content[random.nextInt(content.length)] ^= (byte) (1 + random.nextInt(255));
        }
        return replaced(entries, victim, victim, content);
    }

    /**
     * Breaks one class or bundle jar, then fixes up its {@code new-sha256} and the payload build-id,
     * as a builder with a trusted key could: only the class and jar checks stand in the way.
     */
    private static Map<String, byte[]> dishonestEdit(Map<String, byte[]> entries, List<String> names, Random random)
            throws Exception {
        List<String> victims = names.stream().filter(n -> n.startsWith("classes/") || n.startsWith("bundles/")).toList();
        String victim = victims.get(random.nextInt(victims.size()));
        byte[] content = victim.startsWith("bundles/") ? breakJar(entries.get(victim), random)
                : breakBytes(entries.get(victim), random);
        Sha256 sha = Sha256.of(content);
        Manifest m = ManifestCodec.read(entries.get("patch.json"));
        List<ClassEntry> classes = m.classes().stream().map(c -> !c.entryName().equals(victim) ? c
                : new ClassEntry(c.bundle(), c.bundleVersion(), c.className(), c.kind(), c.expectedSha256(), sha)).toList();
        List<BundleEntry> bundles = m.bundles().stream().map(b -> !b.entryName().equals(victim) ? b
                : new BundleEntry(b.bundle(), b.fromVersion(), b.toVersion(), sha)).toList();
        BuildId id = Manifest.computePayloadBuildId(m.kind(), m.targetBuildId(), m.dependsOn(), classes, m.hooks(), bundles);
        Manifest edited = new Manifest(m.formatVersion(), m.kind(), m.name(), id, m.targetBuildId(), m.dependsOn(),
                m.signingKey(), classes, m.hooks(), bundles, m.metadata());
        Map<String, byte[]> out = replaced(entries, victim, victim, content);
        out.put("patch.json", ManifestCodec.write(edited));
        return out;
    }

    private static byte[] breakBytes(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return new byte[] {(byte) random.nextInt(256)}; // a folder entry given content
        }
        byte[] b = random.nextInt(4) == 0 ? Arrays.copyOf(bytes, random.nextInt(bytes.length)) : bytes.clone();
        for (int n = 1 + random.nextInt(4); n > 0 && b.length > 0; n--) {
            b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    /** The jar's raw bytes broken, one of its entries broken, removed or renamed, or a bomb put in it. */
    private static byte[] breakJar(byte[] jar, Random random) throws Exception {
        Map<String, byte[]> inside = new LinkedHashMap<>(Fixtures.entries(jar));
        List<String> names = new ArrayList<>(inside.keySet());
        String victim = names.get(random.nextInt(names.size()));
        return switch (random.nextInt(5)) {
            case 0 -> breakBytes(jar, random);
            case 1 -> Fixtures.jar(replaced(inside, victim, victim, breakBytes(inside.get(victim), random)));
            case 2 -> {
                inside.remove(victim);
                yield Fixtures.jar(inside);
            }
            case 3 -> Fixtures.jar(replaced(inside, victim, changeOneChar(victim, random), inside.get(victim)));
            default -> {
                RawZip bomb = new RawZip();
                inside.forEach(bomb::stored);
                yield bomb.precompressed("io/hotvisor/Bomb.class", SMALL_BOMB,
                        random.nextBoolean() ? 1 << 20 : random.nextInt(4096)).build();
            }
        };
    }

    private static final String[] TOP_FIELDS = {"format-version", "kind", "name", "payload-build-id",
            "target-build-id", "depends-on", "signing-key", "classes", "hooks", "bundles", "metadata", "extra"};

    private byte[] editManifest(byte[] manifest, Random random) throws Exception {
        ObjectNode tree = (ObjectNode) json.readTree(manifest);
        String field = TOP_FIELDS[random.nextInt(TOP_FIELDS.length)];
        switch (random.nextInt(6)) {
            case 0 -> tree.remove(field);
            case 1 -> tree.put(field, random.nextInt(100));
            case 2 -> tree.put(field, "x" + random.nextInt(100));
            case 3 -> tree.putNull(field);
            case 4 -> tree.put("format-version", random.nextInt(3) + "." + random.nextInt(3));
            default -> tree.put("kind", random.nextBoolean() ? "bundle-update" : "livepatch");
        }
        return json.writeValueAsBytes(tree);
    }

    private static String changeOneChar(String name, Random random) {
        if (name.isEmpty()) {
            return "x";
        }
        char[] chars = name.toCharArray();
        chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
        return new String(chars);
    }

    private static Map<String, byte[]> replaced(Map<String, byte[]> entries, String victim, String newName, byte[] content) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, byte[]>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, byte[]> e = it.next();
            if (e.getKey().equals(victim)) {
                out.put(newName, content);
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Rebuilds the ZIP with RawZip, which (unlike a map) keeps a rename onto an existing name as a duplicate. */
    private static byte[] rebuild(Map<String, byte[]> entries, String victim, String newName, byte[] content) {
        RawZip zip = new RawZip();
        entries.forEach((name, bytes) -> {
            if (name.equals(victim)) {
                zip.stored(newName, content);
            } else {
                zip.stored(name, bytes);
            }
        });
        return zip.build();
    }
}
