/**
 * daxfs: an emulated DAX (persistent-memory) filesystem behind {@code java.nio.file}, where media
 * errors can be injected and met as on Linux pmem.
 *
 * <ul>
 *   <li>{@link io.daxfs.DaxFileSystems} creates filesystems (also reachable as {@code dax://name/}
 *       URIs), configured by {@link io.daxfs.DaxConfiguration}; use them through plain {@code
 *       Path}, {@code Files} and {@code FileChannel}.
 *   <li>{@link io.daxfs.PmemDevice} is the emulated device: inject, list and scrub badblocks.
 *   <li>{@link io.daxfs.DaxFiles} translates between files and the device (extents, lost ranges,
 *       injection by file range, hole punching) and watches files for new errors.
 *   <li>{@link io.daxfs.MediaErrorException} is the EIO a program meets, with what it needs to
 *       recover, under the configured {@link io.daxfs.MediaErrorModel}.
 * </ul>
 *
 * <p>Nothing in this API is null unless marked {@code @Nullable} (JSpecify), nor may be passed as
 * null where it is not.
 *
 * <p>The other packages ({@code io.daxfs.nio}, {@code io.daxfs.fs}, {@code io.daxfs.device}) are
 * the implementation and not API; {@code io.daxfs.junit} holds the JUnit 5 extension and AssertJ
 * assertions.
 */
@NullMarked
package io.daxfs;

import org.jspecify.annotations.NullMarked;
