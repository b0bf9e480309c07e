/**
 * Internal, not API: the {@code java.nio.file} provider of the {@code dax} scheme (filesystem,
 * paths, channels, streams, attribute views, watch service) over {@code io.daxfs.fs}. The module
 * does not export this package; its few public classes are public only for {@code io.daxfs} and the
 * service loader. Reach it through {@code java.nio.file} and {@code io.daxfs}; names here may
 * change in any release.
 */
package io.daxfs.nio;
