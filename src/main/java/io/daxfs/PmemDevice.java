package io.daxfs;

import java.util.List;
import java.util.function.Consumer;

/**
 * The emulated persistent-memory device under a daxfs filesystem, as {@code ndctl} and sysfs show a
 * pmem namespace. Get it with {@link DaxFileSystems#device(java.nio.file.FileSystem)}. Thread-safe:
 * errors may be injected and scrubbed while other threads do I/O.
 *
 * <p>Sectors are counted from the start of the device. Every method taking {@code (sector, count)}
 * throws {@link IllegalArgumentException}, naming the device size, when the range is not inside the
 * device or {@code count} is not positive.
 *
 * <p>On an image ({@link DaxConfiguration.Builder#image}) every change of the media state is kept
 * in the image's log before it is made. The methods that change it throw {@link
 * java.io.UncheckedIOException} when the log is full and its checkpoint fails (the host's storage
 * is full or failing), or failed less than a second before: nothing of that call's change is made
 * ({@link #injectRandomErrors} keeps the errors it injected before).
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

  /**
   * Poisons sectors and lists them in {@link #badblocks()} at once, as {@code ndctl inject-error}
   * does.
   */
  void injectError(long sector, long count);

  /**
   * Poisons sectors without listing them, as {@code ndctl inject-error --no-notify} does: the first
   * access that consumes the poison, or a {@link #scrub()}, lists them.
   */
  void injectLatentError(long sector, long count);

  /**
   * Removes injected poison, as {@code ndctl inject-error --uninject} does. Sectors already listed
   * stay listed (and keep failing I/O) until a write clears them.
   */
  void uninjectError(long sector, long count);

  /**
   * Injects {@code count} one-sector errors at distinct sectors chosen by a generator seeded with
   * {@code seed} (the same seed gives the same sectors on a device of the same size), listed at
   * once.
   *
   * @return the sectors injected, sorted
   * @throws IllegalArgumentException if {@code count} is negative or more than the device's sectors
   */
  List<BadBlock> injectRandomErrors(long seed, int count);

  /** The known bad sectors, merged and sorted. */
  List<BadBlock> badblocks();

  /**
   * The poisoned sectors, merged and sorted, whether listed or still latent, as {@code ndctl
   * inject-error --status} reports the platform's injected errors: injection adds to them, and
   * {@link #uninjectError} or a clearing write removes them. A listed sector whose poison was
   * uninjected is in {@link #badblocks()} only.
   */
  List<BadBlock> injectedErrors();

  /**
   * The badblocks list as {@code /sys/block/pmemX/badblocks} shows it: one {@code "<start>
   * <count>"} line per range, ranges longer than 512 sectors split as the kernel's table stores
   * them.
   */
  String badblocksText();

  /**
   * Finds poisoned sectors not yet listed and lists them, as an address range scrub does.
   *
   * @return what was newly found, merged and sorted
   */
  List<BadBlock> scrub();

  /**
   * Registers a listener told of sectors each time they become known bad (injection, scrub, or
   * poison consumed by an access). Returns a handle that removes the listener when closed.
   * Listeners run on a daxfs thread, in the order the sectors became known (never on the thread
   * doing the I/O, which may hold the file's lock). That thread ends when idle; closing the
   * filesystem waits for the listeners already notified.
   */
  AutoCloseable onNewBadBlocks(Consumer<List<BadBlock>> listener);
}
