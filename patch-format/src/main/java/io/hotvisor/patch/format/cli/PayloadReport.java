package io.hotvisor.patch.format.cli;

import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.Payload;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How {@code inspect} and {@code verify} show a payload, as text and as JSON. */
final class PayloadReport {
    private PayloadReport() {
    }

    static String signatureText(Payload payload) {
        Manifest m = payload.manifest();
        return payload.signatureVerified()
                ? "valid, by trusted key " + m.signingKey()
                : "present, key " + m.signingKey() + ", not verified (run 'hvpatch verify FILE --trust DIR')";
    }

    static void printText(PrintWriter out, Payload payload) {
        Manifest m = payload.manifest();
        out.printf("payload           %s (format %s, %s)%n", m.name(), m.formatVersion(), m.kind().jsonName());
        if (!m.requires().isEmpty()) {
            out.printf("requires          %s%n", requiresText(m));
        }
        out.printf("payload build-id  %s%n", m.payloadBuildId());
        out.printf("target build-id   %s%n", m.targetBuildId());
        out.printf("depends-on        %s%n", m.dependsOn() == null ? "(none: applies on the host build)" : m.dependsOn());
        out.printf("signature         %s%n", signatureText(payload));
        out.printf("digest            %s%n", payload.digest());
        if (m.kind() == PayloadKind.BUNDLE_UPDATE) {
            // A bundle-update carries nothing else, so its empty class and hook lists are not shown.
            out.printf("bundles           %d%n", m.bundles().size());
            for (BundleEntry b : m.bundles()) {
                out.printf("  %s%n", bundleLine(payload, b));
            }
            printMetadata(out, m.metadata());
            out.flush();
            return;
        }
        out.printf("classes           %d%n", m.classes().size());
        for (ClassEntry c : m.classes()) {
            out.printf("  %-8s  %s %s  %s%n", c.kind().jsonName(), c.bundle(), c.bundleVersion(), c.className());
            if (c.expectedSha256() != null) {
                out.printf("            expected %s%n", c.expectedSha256());
            }
            out.printf("            new      %s%n", c.newSha256());
        }
        out.printf("hooks             %d%n", m.hooks().size());
        for (Hook h : m.hooks()) {
            out.printf("  %-11s  %s  %s.%s%n", h.phase().jsonName(), h.bundle(), h.className(), h.method());
        }
        printMetadata(out, m.metadata());
        out.flush();
    }

    /** {@code trampoline (a host with livepatch-mechanism = trampoline: it adds methods)}, one entry per requirement. */
    static String requiresText(Manifest m) {
        List<String> out = new ArrayList<>();
        for (Requirement r : m.requires()) {
            out.add(r == Requirement.TRAMPOLINE
                    ? r.jsonName() + " (a host with livepatch-mechanism = trampoline: it adds methods a redefinition cannot)"
                    : r.jsonName());
        }
        return String.join(", ", out);
    }

    /** {@code bundle io.x.y 1.0.0 -> 1.0.0.u1 (NNN bytes, sha256 HEX)}. */
    static String bundleLine(Payload payload, BundleEntry b) {
        return "bundle " + b.bundle() + " " + b.fromVersion() + " -> " + b.toVersion() + " ("
                + payload.bundleBytes(b).length + " bytes, sha256 " + b.newSha256() + ")";
    }

    private static void printMetadata(PrintWriter out, Metadata md) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("author", md.author());
        fields.put("source-repository", md.sourceRepository());
        fields.put("base-revision", md.baseRevision());
        fields.put("head-revision", md.headRevision());
        fields.put("build-tool", md.buildTool());
        fields.put("compiler-version", md.compilerVersion());
        fields.put("compiler-flags", md.compilerFlags().isEmpty() ? null : String.join(" ", md.compilerFlags()));
        fields.put("created", md.created());
        out.println("metadata");
        fields.forEach((k, v) -> {
            if (v != null) {
                out.printf("  %-18s %s%n", k, v);
            }
        });
        if (md.description() != null) {
            out.println("  description");
            for (String line : md.description().split("\n", -1)) {
                out.println("    " + line);
            }
        }
    }

    static Map<String, Object> json(Payload payload) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "ok");
        Map<String, Object> signature = new LinkedHashMap<>();
        signature.put("key-id", payload.manifest().signingKey().text());
        signature.put("verified", payload.signatureVerified());
        result.put("signature", signature);
        result.put("digest", payload.digest().hex());
        // Always present (the manifest has the field only when it is not empty): what a host needs to apply it.
        result.put("requires", payload.manifest().requires().stream().map(Requirement::jsonName).toList());
        result.put("manifest", Json.MAPPER.valueToTree(payload.manifest()));
        if (payload.manifest().kind() == PayloadKind.BUNDLE_UPDATE) {
            // The manifest lists the bundles already; this adds what it cannot say: each jar's entry and size.
            List<Map<String, Object>> bundles = new ArrayList<>();
            for (BundleEntry b : payload.manifest().bundles()) {
                Map<String, Object> bundle = new LinkedHashMap<>();
                bundle.put("bundle", b.bundle());
                bundle.put("from-version", b.fromVersion());
                bundle.put("to-version", b.toVersion());
                bundle.put("entry", b.entryName());
                bundle.put("bytes", payload.bundleBytes(b).length);
                bundle.put("sha256", b.newSha256().hex());
                bundles.add(bundle);
            }
            result.put("bundles", bundles);
        }
        return result;
    }
}
