/**
 * The build-info document ({@code build-info.json}): what a host build is made of and how it was
 * compiled, so that {@code hvpatch build} can rebuild the same classes byte for byte and refuse
 * when it cannot (kpatch-build's "different compiler" check, livepatch-build-tools' build-id).
 *
 * <p>{@link io.hotvisor.patch.format.buildinfo.BuildInfo} is the model,
 * {@link io.hotvisor.patch.format.buildinfo.BuildInfoCodec} its strict reader and canonical writer,
 * {@link io.hotvisor.patch.format.buildinfo.BuildInfoGenerator} makes one from bundle jars and
 * {@link io.hotvisor.patch.format.buildinfo.BuildInfoTool} is the command a build runs to write it.
 * The format is specified in {@code patch-format/README.md}, section "Build info".
 */
package io.hotvisor.patch.format.buildinfo;
