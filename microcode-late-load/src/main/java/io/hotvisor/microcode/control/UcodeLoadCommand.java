package io.hotvisor.microcode.control;


import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.microcode.load.LateLoadException;
import io.hotvisor.microcode.load.LateLoader;
import io.hotvisor.microcode.load.LoadResult;
import io.hotvisor.control.ArgRange;
import io.hotvisor.microcode.policy.Decision;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ucode.load}: late-loads microcode through the rendezvous ({@link LateLoader}).
 *
 * <p>Arguments: {@code {"files": [{"name": "06-8c-01", "data": BASE64}], "directory": false,
 * "force": false, "timeoutMs": 30, "attempts": 5}} (all but files optional; {@code directory}: the
 * files are a directory's, of which only the one Linux reads for this CPU is loaded). Result:
 * {@code {"complete", "lines", "cores": [{"core", "cpus", "status", "oldRevision", "newRevision",
 * "targetRevision", "date", "detail"}], "cpus": [{"cpu", "core", "primary", "status", "oldRevision",
 * "newRevision", "detail"}], "featureChanges": [{"core", "added", "removed"}], "warnings",
 * "decisions": [{"rule", "verdict", "detail"}], "forced", "unsafe", "pauseMs", "quiesceMs",
 * "windowMs", "timeoutMs", "pauseExceeded", "attempts", "journalRecord"}}: {@code cores} carries the
 * facts of the per-core-group lines. A load in which a core failed is still a result
 * ({@code complete} false, the failing cores named); a refused load is an error with the
 * {@link LateLoadException.Code} name as its code, its message ending with the rule that refused,
 * exit status 2 for {@code BUSY} and {@code TIMEOUT} and 1 otherwise.
 */
public final class UcodeLoadCommand implements ControlCommand {

    private final LateLoader loader;

    public UcodeLoadCommand(LateLoader loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    @Override
    public String name() {
        return "ucode.load";
    }

    @Override
    public Object handle(JsonNode args, Stream stream) throws ControlException {
        List<LateLoader.Input> files = new ArrayList<>();
        for (JsonNode f : args.path("files")) {
            String name = f.path("name").asText("microcode");
            try {
                files.add(new LateLoader.Input(name, Base64.getDecoder().decode(f.path("data").asText(""))));
            } catch (IllegalArgumentException e) {
                throw new ControlException("BAD_REQUEST", name + ": the data is not base64: " + e.getMessage());
            }
        }
        Duration timeout = ArgRange.timeout(args, "timeoutMs"); // the one operator range, 1 ms .. 1 h
        int attempts = args.path("attempts").asInt(LateLoader.DEFAULT_ATTEMPTS);
        if (attempts < 1 || attempts > 100) {
            throw new ControlException("BAD_REQUEST", "attempts must be 1 to 100, got " + attempts);
        }
        LoadResult r;
        try {
            LateLoader.Options options = new LateLoader.Options(args.path("force").asBoolean(false),
                    timeout, attempts);
            r = loader.load(files, args.path("directory").asBoolean(false) ? options.asDirectory() : options);
        } catch (LateLoadException e) {
            throw new ControlException(e.code().name(), e.getMessage(),
                    e.transientRefusal() ? ControlException.EXIT_BUSY : ControlException.EXIT_ERROR);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("complete", r.complete());
        out.put("lines", r.lines());
        List<Map<String, Object>> cores = new ArrayList<>();
        for (LoadResult.CoreResult c : r.cores()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("core", c.core());
            row.put("cpus", c.firstCpu() == c.lastCpu() ? String.valueOf(c.firstCpu()) : c.firstCpu() + "-" + c.lastCpu());
            row.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
            row.put("oldRevision", "0x" + Integer.toHexString(c.oldRevision()));
            row.put("newRevision", "0x" + Integer.toHexString(c.newRevision()));
            row.put("targetRevision", "0x" + Integer.toHexString(c.targetRevision()));
            row.put("date", c.date());
            row.put("detail", c.detail());
            cores.add(row);
        }
        out.put("cores", cores);
        List<Map<String, Object>> cpus = new ArrayList<>();
        for (LoadResult.CpuResult c : r.cpus()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("cpu", c.cpu());
            row.put("core", c.core());
            row.put("primary", c.primary());
            row.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
            row.put("oldRevision", "0x" + Integer.toHexString(c.oldRevision()));
            row.put("newRevision", "0x" + Integer.toHexString(c.newRevision()));
            row.put("detail", c.detail());
            cpus.add(row);
        }
        out.put("cpus", cpus);
        List<Map<String, Object>> changes = new ArrayList<>();
        for (LoadResult.FeatureChange f : r.featureChanges()) {
            changes.add(Map.of("core", f.core(), "added", List.copyOf(f.added()), "removed", List.copyOf(f.removed())));
        }
        out.put("featureChanges", changes);
        out.put("warnings", r.warnings());
        List<Map<String, Object>> decisions = new ArrayList<>();
        for (Decision d : r.decisions()) {
            decisions.add(Map.of("rule", d.rule().id(), "verdict", d.verdict().name().toLowerCase(java.util.Locale.ROOT),
                    "detail", d.detail()));
        }
        out.put("decisions", decisions);
        out.put("forced", r.forced());
        out.put("unsafe", r.unsafe());
        out.put("pauseMs", r.pauseNanos() / 1e6);
        out.put("quiesceMs", r.quiesceNanos() / 1e6);
        out.put("windowMs", r.windowNanos() / 1e6);
        out.put("timeoutMs", r.timeoutNanos() / 1e6);
        out.put("pauseExceeded", r.pauseExceeded());
        out.put("attempts", r.attempts());
        out.put("journalRecord", r.journalSequence().orElse(null));
        return out;
    }
}
