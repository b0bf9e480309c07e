package io.daxfs.nio;

import com.google.common.collect.MapMaker;
import io.daxfs.fs.Volume;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Identity of a file across paths and hard links: its volume's device number and its inode number.
 * Two keys are equal exactly when they denote the same file of the same open volume.
 */
record DaxFileKey(long dev, long ino) {
  /** Major number Linux gives {@code /dev/pmemN} devices (the "blkext" major). */
  private static final int PMEM_MAJOR = 259;

  // Weak keys compare by identity, which is what tells two volumes apart, and let a discarded
  // volume's entry go away.
  private static final ConcurrentMap<Volume, Long> DEVICES = new MapMaker().weakKeys().makeMap();
  private static final AtomicInteger NEXT_MINOR = new AtomicInteger();

  /**
   * The {@code st_dev} of a volume: as if it were {@code /dev/pmemN}, with N counting the volumes
   * this JVM has seen, so that it is unique per volume.
   */
  static long deviceOf(Volume volume) {
    return DEVICES.computeIfAbsent(volume, v -> makedev(PMEM_MAJOR, NEXT_MINOR.getAndIncrement()));
  }

  /** glibc's 64-bit {@code dev_t} encoding, so that numbers look like those {@code stat} shows. */
  private static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major);
    long mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffL) << 8) | ((ma & ~0xfffL) << 32) | (mi & 0xffL) | ((mi & ~0xffL) << 12);
  }

  /** As the default provider prints its keys: the device in hexadecimal, the inode in decimal. */
  @Override
  public String toString() {
    return "(dev=" + Long.toHexString(dev) + ",ino=" + ino + ")";
  }
}
