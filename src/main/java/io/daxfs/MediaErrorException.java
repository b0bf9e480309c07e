package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.nio.file.FileSystemException;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A media error (EIO) met by an I/O on a daxfs file, with what a program needs to recover: the
 * file, where the failed step began, the lost file ranges (whole sectors), the device sectors
 * behind them, the access path the I/O took, and how the range can be repaired under the
 * filesystem's {@link MediaErrorModel}.
 *
 * <p>As on Linux, a call either reports a count or fails: one that moved bytes before meeting the
 * error returns the short count, and the error comes with the next call. So a call that throws this
 * has moved nothing the caller can see (the buffer's position is unchanged).
 *
 * <p>Thrown unchanged through every API built on the channel ({@code Files.readAllBytes}, streams,
 * {@code transferTo}, ...). Its {@linkplain #getReason() reason} is {@value #REASON}, as Linux
 * reports EIO. Its {@linkplain #getMessage() message} alone names the lost ranges and the repair,
 * and it has no cause, so that a program that rebuilds it from its message and cause (as Lucene's
 * {@code MMapDirectory} does for a failed map) loses nothing and meets no daxfs-internal type.
 */
public final class MediaErrorException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /** The reason text of every media error: Linux's message for EIO. */
  public static final String REASON = "Input/output error";

  /** What the failed I/O was doing. */
  public enum Operation {
    READ,
    WRITE,
    /**
     * {@code FileChannel.map}: daxfs reports poison at map time, where Linux would deliver SIGBUS
     * on access.
     */
    MAP,
    /** Zeroing the partial last block of a truncate. */
    TRUNCATE,
    /** Zeroing the partial blocks at the edges of a punched hole. */
    PUNCH_HOLE
  }

  private final Operation operation;
  private final long position;
  private final ImmutableList<FileRange> badRanges;
  private final ImmutableList<BadBlock> badBlocks;
  private final AccessPath accessPath;
  private final Recovery recovery;

  /**
   * @param file the file, as the program named it, or null if not known (as for any {@link
   *     FileSystemException})
   * @param operation what failed
   * @param position file offset where the failed step began
   * @param badRanges the lost file ranges met, sector-rounded; not empty
   * @param badBlocks the device sectors behind them; not empty
   * @param accessPath the access path the I/O took
   * @param recovery how to repair {@code badRanges}
   * @throws IllegalArgumentException if a list is empty or a number negative
   */
  public MediaErrorException(
      @Nullable String file,
      Operation operation,
      long position,
      List<FileRange> badRanges,
      List<BadBlock> badBlocks,
      AccessPath accessPath,
      Recovery recovery) {
    super(file, null, REASON);
    this.operation = requireNonNull(operation, "operation");
    checkArgument(position >= 0, "position must not be negative: %s", position);
    this.position = position;
    this.badRanges = ImmutableList.copyOf(badRanges);
    this.badBlocks = ImmutableList.copyOf(badBlocks);
    checkArgument(!this.badRanges.isEmpty(), "badRanges must not be empty");
    checkArgument(!this.badBlocks.isEmpty(), "badBlocks must not be empty");
    this.accessPath = requireNonNull(accessPath, "accessPath");
    this.recovery = requireNonNull(recovery, "recovery");
  }

  public Operation operation() {
    return operation;
  }

  /** File offset where the failed step began. */
  public long position() {
    return position;
  }

  /** The lost file ranges met, sector-rounded and merged, in file order. */
  public List<FileRange> badRanges() {
    return badRanges;
  }

  /** The device's bad sectors behind {@link #badRanges()}. */
  public List<BadBlock> badBlocks() {
    return badBlocks;
  }

  /** The access path the I/O took. */
  public AccessPath accessPath() {
    return accessPath;
  }

  /** How to repair the lost ranges under the filesystem's model. */
  public Recovery recovery() {
    return recovery;
  }

  /**
   * One line: the file and reason, then what failed where, what is lost on which sectors, and the
   * repair.
   */
  @Override
  public String getMessage() {
    return super.getMessage()
        + " ("
        + accessPath
        + " "
        + operation.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
        + " at "
        + position
        + ": lost bytes "
        + badRanges.stream().map(FileRange::toString).collect(Collectors.joining(", "))
        + " on sectors "
        + badBlocks.stream()
            .map(b -> b.startSector() + "+" + b.count())
            .collect(Collectors.joining(", "))
        + "; to repair, "
        + recovery.describe()
        + ")";
  }
}
