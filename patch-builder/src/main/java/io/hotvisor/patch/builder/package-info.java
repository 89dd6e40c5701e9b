/**
 * The patch builder: git revisions (or a diff) in, a signed payload out, the way kpatch-build and
 * livepatch-build-tools turn a source patch into a live patch.
 *
 * <pre>
 *  repo, base, head|diff ──source──► module sources at both revisions (JGit, nothing checked out)
 *                        ──compile─► class files of both (javax.tools, the target's javac flags; base cached)
 *                        ──check───► base classes == the target's classes (build-info hashes)
 *                        ──diff────► per class: unchanged / redefine / define / refused (ASM)
 *                        ──write───► payload (.hvp), signed, written atomically
 *                                    or, when some class is refused and --allow-bundle-update is given,
 *                                    a bundle-update payload: the touched bundles' jars rebuilt whole
 * </pre>
 *
 * {@link io.hotvisor.patch.builder.PatchBuilder} runs the stages; subpackages hold each room:
 * {@code source} (git), {@code compile} (javac, classpath, cache), {@code diff} (bytecode comparison
 * and classification), {@code bundle} (replaceable bundles and their new jars), {@code cli}
 * ({@code hvpatch build}).
 */
package io.hotvisor.patch.builder;
