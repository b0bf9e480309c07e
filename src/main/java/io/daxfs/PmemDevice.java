package io.daxfs;

/**
 * The emulated persistent-memory device under a daxfs filesystem, as {@code ndctl} and sysfs show a
 * pmem namespace. Get it with {@link DaxFileSystems#device(java.nio.file.FileSystem)}. Thread-safe.
 */
public interface PmemDevice {
  /** Capacity in bytes. */
  long size();

  /** Logical sector size in bytes (512 or 4096): the unit of badblocks and of DIRECT alignment. */
  int sectorSize();

  /** Capacity in sectors. */
  default long sectorCount() {
    return size() / sectorSize();
  }

  /** The media-error model the device was configured with. */
  MediaErrorModel mediaErrorModel();

  /**
   * Bytes of memory the device holds now: blocks ever allocated to a file (freed blocks stay
   * committed for reuse). A large device that holds few files costs little.
   */
  long memoryUsed();
}
