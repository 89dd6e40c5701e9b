package io.hotvisor.patch.builder;

import java.nio.file.Path;

/** Lets tests in other packages use {@link DemoRepo}. */
public final class DemoRepoAccess {
    private DemoRepoAccess() {
    }

    public static Object create(Path dir) throws Exception {
        return DemoRepo.create(dir);
    }

    public static Path buildInfo(Object repo, Path work) throws Exception {
        return ((DemoRepo) repo).buildInfo(work);
    }

    public static String base(Object repo) {
        return ((DemoRepo) repo).base.name();
    }
}
