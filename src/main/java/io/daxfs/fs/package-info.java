/**
 * Internal, not API: the filesystem on the emulated device (inodes, directories, extent maps, the
 * block allocator, open files). It knows nothing of {@code java.nio.file}. The module does not
 * export this package; its public classes are public only for {@code io.daxfs.image}, {@code
 * io.daxfs.nio} and {@code io.daxfs}, and may change in any release.
 */
package io.daxfs.fs;
