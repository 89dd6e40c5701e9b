package io.hotvisor.patch.builder.source;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * One revision's file tree, read on demand from a git object database. Not thread-safe (one
 * {@link ObjectReader}); read what you need, then let it go.
 */
public final class SourceTree {
    private final ObjectReader reader;
    private final RevTree tree;
    private final String label;

    SourceTree(ObjectReader reader, RevTree tree, String label) {
        this.reader = reader;
        this.tree = tree;
        this.label = label;
    }

    /** How this revision is named in messages: a short commit id, or {@code base+diff}. */
    public String label() {
        return label;
    }

    /** The git tree id of the root. */
    public ObjectId treeId() {
        return tree.getId();
    }

    /**
     * The git id of the tree at {@code dir} (a content hash: equal ids mean equal contents), or empty
     * when there is none.
     */
    public Optional<ObjectId> subtreeId(String dir) throws IOException {
        try (TreeWalk walk = TreeWalk.forPath(reader, dir, tree)) {
            if (walk == null || walk.getFileMode(0) != FileMode.TREE) {
                return Optional.empty();
            }
            return Optional.of(walk.getObjectId(0).copy());
        }
    }

    /** The content of one file, or empty. */
    public Optional<byte[]> file(String path) throws IOException {
        try (TreeWalk walk = TreeWalk.forPath(reader, path, tree)) {
            if (walk == null || (walk.getRawMode(0) & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
                return Optional.empty();
            }
            return Optional.of(reader.open(walk.getObjectId(0)).getBytes());
        }
    }

    /** Every file under {@code dir} (a {@code /}-separated path), by repository-relative path, sorted. */
    public Map<String, byte[]> files(String dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (TreeWalk walk = new TreeWalk(reader)) {
            walk.addTree(tree);
            walk.setRecursive(true);
            if (!dir.isEmpty()) {
                walk.setFilter(PathFilter.create(dir));
            }
            while (walk.next()) {
                if ((walk.getRawMode(0) & FileMode.TYPE_MASK) == FileMode.TYPE_FILE) {
                    out.put(walk.getPathString(), reader.open(walk.getObjectId(0)).getBytes());
                }
            }
        }
        return out;
    }
}
