package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.daxfs.fs.FileMediaFault;
import io.daxfs.fs.RegularFile;
import io.daxfs.nio.DaxFileSystem;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.List;

/**
 * What a recovery needs beyond {@code java.nio.file}, for files of a daxfs filesystem: where a file
 * lives on the device ({@code FIEMAP}), which of its bytes are lost (badblocks translated to file
 * ranges), poisoning a file's sectors in tests, and punching holes ({@code fallocate}).
 *
 * <p>Every method follows symbolic links and throws {@link ProviderMismatchException} for a path of
 * another provider, {@link NoSuchFileException} if the file does not exist, and {@link
 * FileSystemException} ("Is a directory") if it is not a regular file.
 *
 * <p>Whether a file is DAX, as Linux's {@code statx(2)} tells with {@code STATX_ATTR_DAX}, is a
 * file attribute: {@code Files.getAttribute(path, "dax:isDax")} (or {@code
 * Files.readAttributes(path, "dax:*")}) gives {@code Boolean.TRUE} for every regular file of daxfs
 * and {@code FALSE} for directories and symbolic links (read with {@code NOFOLLOW_LINKS}), as on
 * ext4 or XFS mounted with {@code dax=always}. The {@code dax} view is listed by {@code
 * supportedFileAttributeViews()} and {@code FileStore.supportsFileAttributeView("dax")}; it is
 * read-only, so setting it throws {@link IllegalArgumentException} as the JDK does for a read-only
 * attribute. Other providers throw {@link UnsupportedOperationException} for the view ("View 'dax'
 * not available").
 */
public final class DaxFiles {
  private DaxFiles() {}

  /** The file's extents on the device, in file order; the last one is flagged. */
  public static List<FileExtent> extents(Path file) throws IOException {
    return file(file).fileExtents();
  }

  /**
   * The file's lost byte ranges: its data on known bad sectors, whole sectors, merged, in file
   * order. Empty when the file is healthy. Bad sectors of the last block that lie wholly past the
   * end of file hold no data and are not listed; a write that grows the file over them fails with
   * {@link MediaErrorException}, whose recovery names them.
   */
  public static List<FileRange> badRanges(Path file) throws IOException {
    return file(file).badRanges();
  }

  /**
   * Poisons the device sectors behind {@code [offset, offset + length)} of the file (rounded out to
   * whole sectors) and lists them at once, as {@link PmemDevice#injectError} does.
   *
   * @throws IllegalArgumentException if the range is empty, not inside the file, or covers a hole
   *     (a hole has no sectors)
   * @throws IOException on an image whose log cannot keep the injection (see {@link PmemDevice});
   *     where the range spans several extents of the file, those before stay injected
   */
  public static void injectError(Path file, long offset, long length) throws IOException {
    inject(file, offset, length, false);
  }

  /**
   * Poisons the sectors behind the range without listing them, as {@link
   * PmemDevice#injectLatentError} does: the first access that consumes the poison finds it.
   *
   * @throws IllegalArgumentException as {@link #injectError}
   * @throws IOException as {@link #injectError}
   */
  public static void injectLatentError(Path file, long offset, long length) throws IOException {
    inject(file, offset, length, true);
  }

  private static void inject(Path file, long offset, long length, boolean latent)
      throws IOException {
    RegularFile f = file(file);
    var device = f.volume().device();
    int sector = device.sectorSize();
    for (long[] r : f.deviceRanges(offset, length)) {
      long first = r[0] / sector;
      long end = (r[0] + r[1] + sector - 1) / sector;
      if (latent) {
        device.injectLatentError(first, end - first);
      } else {
        device.injectError(first, end - first);
      }
    }
  }

  /**
   * Deallocates {@code [offset, offset + length)} and keeps the file's size, as {@code fallocate(
   * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)} does: whole blocks inside the range return to the
   * allocator, partial blocks at its edges are zeroed (through the driver, clearing poison, when
   * sector-aligned; else through DAX). The range then reads as zeros, and a later write gives it
   * new blocks zeroed through the driver: the way to repair a range under {@link
   * MediaErrorModel#CLEAR_ON_ZERO}.
   *
   * @throws IllegalArgumentException if {@code offset} is negative or {@code length} not positive
   * @throws MediaErrorException if zeroing a partial block through DAX meets a bad sector
   */
  public static void punchHole(Path file, long offset, long length) throws IOException {
    checkArgument(offset >= 0, "offset must not be negative: %s", offset);
    checkArgument(length > 0 && offset + length > 0, "length must be positive: %s", length);
    RegularFile f = file(file);
    try {
      f.punchHole(offset, length);
    } catch (FileMediaFault fault) {
      throw DaxFileSystem.of(file)
          .mediaError(file, fault, MediaErrorException.Operation.PUNCH_HOLE);
    }
  }

  /**
   * Watches a file for bytes that become known lost from now on, wherever its blocks are at that
   * moment. Close the returned handle to stop.
   */
  public static AutoCloseable onMediaError(Path file, MediaErrorListener listener)
      throws IOException {
    requireNonNull(listener, "listener");
    RegularFile f = file(file);
    return f.volume()
        .device()
        .onNewBadBlocks(
            blocks -> {
              List<FileRange> lost = f.rangesOn(blocks);
              if (!lost.isEmpty()) {
                listener.mediaErrorFound(file, lost);
              }
            });
  }

  private static RegularFile file(Path file) throws IOException {
    requireNonNull(file, "file");
    return DaxFileSystem.of(file).regularFile(file);
  }
}
