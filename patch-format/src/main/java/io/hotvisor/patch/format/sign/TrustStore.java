package io.hotvisor.patch.format.sign;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The public keys a host (or an operator running {@code hvpatch verify}) accepts payloads from,
 * and nothing else. Immutable and thread-safe once built.
 *
 * <p>A trust directory is a folder of {@code *.pub} files (X.509 PEM Ed25519 public keys, see
 * {@link KeyFiles}); other files and sub-folders are ignored. Loading refuses a missing directory, a
 * directory without keys, an unreadable key file, and two keys with the same {@link KeyId}.
 */
public final class TrustStore {
    private final Map<KeyId, PublicKey> keys;
    private final String source;

    private TrustStore(Map<KeyId, PublicKey> keys, String source) {
        this.keys = Collections.unmodifiableMap(keys);
        this.source = source;
    }

    /**
     * Loads every {@code *.pub} file of a trust directory.
     *
     * @throws PayloadException {@code BAD_TRUST_STORE}, {@code BAD_KEY} (naming the file) or {@code IO_ERROR}
     */
    public static TrustStore load(Path dir) throws PayloadException {
        if (!Files.isDirectory(dir)) {
            throw new PayloadException(PayloadError.BAD_TRUST_STORE, "trust directory " + dir
                    + " does not exist or is not a directory; create it and copy the signers' .pub files into it");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + KeyFiles.PUBLIC_SUFFIX)) {
            for (Path file : stream) {
                if (Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new PayloadException(PayloadError.IO_ERROR, "cannot list trust directory " + dir + ": "
                    + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new PayloadException(PayloadError.BAD_TRUST_STORE, "trust directory " + dir
                    + " holds no *.pub keys, so nothing could be trusted; copy the signers' .pub files into it");
        }
        Collections.sort(files); // deterministic "first file wins" in collision messages
        Map<KeyId, PublicKey> keys = new LinkedHashMap<>();
        Map<KeyId, Path> origin = new LinkedHashMap<>();
        for (Path file : files) {
            PublicKey key = KeyFiles.readPublic(file);
            KeyId id = KeyId.of(key);
            Path earlier = origin.putIfAbsent(id, file);
            if (earlier != null && !keys.get(id).equals(key)) {
                throw new PayloadException(PayloadError.BAD_TRUST_STORE, "trust directory " + dir + ": "
                        + earlier.getFileName() + " and " + file.getFileName() + " have the same key id " + id
                        + " but different keys; remove one of them");
            }
            keys.put(id, key);
        }
        return new TrustStore(keys, "trust directory " + dir);
    }

    /**
     * A trust store of the given keys, for hosts that keep their keys elsewhere and for tests.
     *
     * @throws IllegalArgumentException if two different keys have the same key id
     */
    public static TrustStore of(Collection<PublicKey> publicKeys) {
        Map<KeyId, PublicKey> keys = new LinkedHashMap<>();
        for (PublicKey key : publicKeys) {
            PublicKey earlier = keys.putIfAbsent(KeyId.of(key), key);
            if (earlier != null && !earlier.equals(key)) {
                throw new IllegalArgumentException("two different keys share key id " + KeyId.of(key));
            }
        }
        return new TrustStore(keys, "the trusted key set");
    }

    /** The trusted key with this id, if any. */
    public Optional<PublicKey> find(KeyId id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The ids of all trusted keys, in load order. */
    public Set<KeyId> keyIds() {
        return keys.keySet();
    }

    /** Where the keys came from, for messages ("trust directory /etc/hotvisor/trust"). */
    public String source() {
        return source;
    }
}
