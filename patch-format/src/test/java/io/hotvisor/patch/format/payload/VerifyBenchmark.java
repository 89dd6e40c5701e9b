package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JMH: time to fully verify a payload of 1 and of 200 classes (ZIP parse, manifest, digests,
 * build-id, Ed25519 signature, ASM parse of every class). Not run by {@code mvn verify}; run it
 * with {@code mvn -B -Pbench -pl patch-format test-compile exec:exec} (see BENCHMARKS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class VerifyBenchmark {
    @Param({"1", "200"})
    public int classes;

    private byte[] payload;
    private TrustStore trust;
    private final PayloadReader reader = new PayloadReader();

    @Setup
    public void writePayload() throws PayloadException {
        SigningKey key = Fixtures.key(5);
        List<ClassChange> changes = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            changes.add(ClassChange.define(Fixtures.image("io.hotvisor.runtime.bench.C" + i, i)));
        }
        payload = PayloadWriter.write(new PayloadDraft("bench-" + classes, Fixtures.TARGET, null, changes, List.of(),
                Metadata.EMPTY), key);
        trust = TrustStore.of(List.of(key.publicKey()));
    }

    @Benchmark
    public Payload verify() throws PayloadException {
        return reader.verify(payload, trust);
    }
}
