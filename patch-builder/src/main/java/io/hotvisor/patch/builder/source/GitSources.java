package io.hotvisor.patch.builder.source;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.patch.Patch;
import org.eclipse.jgit.patch.PatchApplier;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * A git repository opened read-only for a build: resolves revisions, lists what changed between
 * two trees, and applies a {@code .diff} in memory. Close it when done.
 */
public final class GitSources implements AutoCloseable {
    private final Repository repo;
    private InMemoryRepository scratch;

    private GitSources(Repository repo) {
        this.repo = repo;
    }

    /**
     * Opens the repository at or above {@code dir}.
     *
     * @throws BuildException {@code BAD_REPOSITORY} if there is none
     */
    public static GitSources open(Path dir) throws BuildException {
        if (!Files.isDirectory(dir)) {
            throw new BuildException(BuildError.BAD_REPOSITORY, dir + ": no such directory");
        }
        FileRepositoryBuilder builder = new FileRepositoryBuilder().readEnvironment().findGitDir(dir.toFile());
        if (builder.getGitDir() == null) {
            throw new BuildException(BuildError.BAD_REPOSITORY, dir + " is not inside a git repository");
        }
        try {
            return new GitSources(builder.build());
        } catch (IOException e) {
            throw new BuildException(BuildError.BAD_REPOSITORY, dir + ": cannot open the git repository: " + e.getMessage(), e);
        }
    }

    /** The checkout's top folder, where its modules' build output lies; {@code null} for a bare repository. */
    public Path workTree() {
        return repo.isBare() ? null : repo.getWorkTree().toPath();
    }

    /** A resolved commit: its full id, its commit time, and its tree. */
    public record Revision(String name, ObjectId commitId, Instant commitTime, RevTree tree) {
        /** The full 40-hex-digit commit id. */
        public String sha1() {
            return commitId.name();
        }
    }

    /**
     * Resolves a revision (branch, tag, SHA-1, {@code HEAD~2}, ...) to a commit.
     *
     * @throws BuildException {@code BAD_REVISION} if it names no commit
     */
    public Revision resolve(String rev) throws BuildException {
        try {
            ObjectId id = repo.resolve(rev + "^{commit}");
            if (id == null) {
                throw new BuildException(BuildError.BAD_REVISION, "revision '" + rev + "' does not exist in " + location()
                        + " (try 'git log --oneline' for the commits it has)");
            }
            try (RevWalk walk = new RevWalk(repo)) {
                RevCommit commit = walk.parseCommit(id);
                return new Revision(rev, commit.getId().copy(), Instant.ofEpochSecond(commit.getCommitTime()),
                        commit.getTree());
            }
        } catch (RevisionSyntaxException | IOException e) {
            throw new BuildException(BuildError.BAD_REVISION, "revision '" + rev + "' cannot be read in " + location()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Where the repository is, for messages. */
    public String location() {
        return repo.getWorkTree() != null && !repo.isBare() ? repo.getWorkTree().toString() : repo.getDirectory().toString();
    }

    /** A revision's tree, read from the repository. */
    public SourceTree tree(Revision rev) {
        return new SourceTree(repo.newObjectReader(), rev.tree(), rev.commitId().abbreviate(10).name());
    }

    /** The paths that differ between two trees (added, changed or deleted files), sorted. */
    public Set<String> changedPaths(SourceTree base, SourceTree head) throws IOException {
        Set<String> out = new TreeSet<>();
        try (TreeWalk walk = new TreeWalk(repo)) {
            walk.addTree(base.treeId());
            walk.addTree(head.treeId());
            walk.setRecursive(true);
            walk.setFilter(TreeFilter.ANY_DIFF);
            for (DiffEntry e : DiffEntry.scan(walk)) {
                if (!e.getOldPath().equals(DiffEntry.DEV_NULL)) {
                    out.add(e.getOldPath());
                }
                if (!e.getNewPath().equals(DiffEntry.DEV_NULL)) {
                    out.add(e.getNewPath());
                }
            }
        }
        return out;
    }

    /**
     * Applies a unified or git diff to the base, in memory: the files under the diff's top-level
     * directories are copied into a scratch in-memory repository and patched there.
     *
     * @param diffFile for messages
     * @throws BuildException {@code BAD_DIFF} naming the file and hunk that does not apply
     */
    public SourceTree applyDiff(Revision base, Path diffFile, byte[] diff) throws BuildException {
        return applyDiffs(base, List.of(diffFile), List.of(diff)).get(0);
    }

    /**
     * Applies diffs one after the other to the base, in memory (see {@link #applyDiff}): each
     * diff applies to the tree the ones before it made. Returns the tree after each diff, in order.
     *
     * @param diffFiles for messages, one per diff
     * @throws BuildException {@code BAD_DIFF} naming the file and hunk that does not apply
     */
    public List<SourceTree> applyDiffs(Revision base, List<Path> diffFiles, List<byte[]> diffs) throws BuildException {
        return applyDiffs(base, diffFiles, diffs, Set.of());
    }

    /**
     * The same, with the top-level folders {@code alsoCopy} in the trees as well, whether or not a
     * diff touches them: the modules a build compiles beside the touched ones.
     */
    public List<SourceTree> applyDiffs(Revision base, List<Path> diffFiles, List<byte[]> diffs, Set<String> alsoCopy)
            throws BuildException {
        List<Patch> patches = new ArrayList<>();
        Set<String> roots = new TreeSet<>(alsoCopy);
        for (int i = 0; i < diffs.size(); i++) {
            Patch patch = parse(diffFiles.get(i), diffs.get(i));
            patches.add(patch);
            for (FileHeader f : patch.getFiles()) {
                for (String p : new String[] {f.getOldPath(), f.getNewPath()}) {
                    if (p != null && !p.equals(DiffEntry.DEV_NULL)) {
                        int slash = p.indexOf('/');
                        roots.add(slash < 0 ? p : p.substring(0, slash));
                    }
                }
            }
        }
        String onto = base.name() + " (" + base.commitId().abbreviate(10).name() + ")";
        try {
            scratch = new InMemoryRepository(new DfsRepositoryDescription("hvpatch-diff"));
            SourceTree original = tree(base);
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            RevTree tree;
            try (ObjectInserter ins = scratch.newObjectInserter()) {
                for (String root : roots) {
                    for (Map.Entry<String, byte[]> file : original.files(root).entrySet()) {
                        DirCacheEntry entry = new DirCacheEntry(file.getKey());
                        entry.setFileMode(FileMode.REGULAR_FILE);
                        entry.setObjectId(ins.insert(Constants.OBJ_BLOB, file.getValue()));
                        builder.add(entry);
                    }
                }
                builder.finish();
                ObjectId treeId = index.writeTree(ins);
                ins.flush();
                try (RevWalk walk = new RevWalk(scratch)) {
                    tree = walk.parseTree(treeId);
                }
            }
            List<SourceTree> out = new ArrayList<>();
            for (int i = 0; i < patches.size(); i++) {
                PatchApplier.Result result;
                try (ObjectInserter ins = scratch.newObjectInserter()) {
                    result = new PatchApplier(scratch, tree, ins).applyPatch(patches.get(i));
                    ins.flush();
                }
                if (!result.getErrors().isEmpty()) {
                    List<String> lines = new ArrayList<>();
                    result.getErrors().forEach(err -> lines.add(err.toString()));
                    throw new BuildException(BuildError.BAD_DIFF, diffFiles.get(i) + " does not apply to " + onto + ": "
                            + String.join("; ", lines));
                }
                try (RevWalk walk = new RevWalk(scratch)) {
                    tree = walk.parseTree(result.getTreeId());
                }
                String label = base.commitId().abbreviate(10).name() + (i == 0 ? "+diff" : "+" + (i + 1) + " diffs");
                out.add(new SourceTree(scratch.newObjectReader(), tree, label));
                onto = base.name() + " (" + base.commitId().abbreviate(10).name() + ") with " + diffFiles.get(i).getFileName();
            }
            return out;
        } catch (IOException e) {
            throw new BuildException(BuildError.BAD_DIFF, diffFiles.get(diffFiles.size() - 1) + " does not apply to " + onto + ": "
                    + e.getMessage(), e);
        }
    }

    private static Patch parse(Path diffFile, byte[] diff) throws BuildException {
        Patch patch = new Patch();
        try {
            patch.parse(new ByteArrayInputStream(diff));
        } catch (IOException e) {
            throw new BuildException(BuildError.BAD_DIFF, diffFile + ": cannot be read as a diff: " + e.getMessage(), e);
        }
        if (!patch.getErrors().isEmpty()) {
            throw new BuildException(BuildError.BAD_DIFF, diffFile + ": not a valid diff: " + patch.getErrors().get(0).getMessage());
        }
        if (patch.getFiles().isEmpty()) {
            throw new BuildException(BuildError.BAD_DIFF, diffFile + ": holds no file changes");
        }
        return patch;
    }

    /**
     * The paths that differ between two trees, file by file; either may be one {@link #applyDiff}
     * made, whose objects only the in-memory scratch repository holds.
     */
    public Set<String> changedPathsOfDiff(SourceTree base, SourceTree patched) throws IOException {
        Set<String> out = new TreeSet<>();
        // The patched tree lives in the scratch repository, whose objects the user's does not have;
        // compare file by file instead of tree by tree.
        for (String root : topLevel(patched)) {
            Map<String, byte[]> after = patched.files(root);
            Map<String, byte[]> before = base.files(root);
            for (String p : after.keySet()) {
                if (!before.containsKey(p) || !java.util.Arrays.equals(before.get(p), after.get(p))) {
                    out.add(p);
                }
            }
            for (String p : before.keySet()) {
                if (!after.containsKey(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static Set<String> topLevel(SourceTree tree) throws IOException {
        Set<String> roots = new TreeSet<>();
        for (String p : tree.files("").keySet()) {
            int slash = p.indexOf('/');
            roots.add(slash < 0 ? p : p.substring(0, slash));
        }
        return roots;
    }

    @Override
    public void close() {
        repo.close();
        if (scratch != null) {
            scratch.close();
        }
    }
}
