package io.daxfs;

import static java.util.Objects.requireNonNull;

/**
 * How a lost file range can be repaired under the filesystem's {@link MediaErrorModel}: what to do,
 * and the exact file range to do it on (already aligned as that way requires).
 *
 * @param kind the way to repair
 * @param range the file range to rewrite or reallocate, aligned for {@code kind}
 */
public record Recovery(Kind kind, FileRange range) {
  /** The ways a bad range can be cleared. */
  public enum Kind {
    /**
     * Rewrite {@code range} (sector-aligned) with data from a replica through a channel opened with
     * {@link com.sun.nio.file.ExtendedOpenOption#DIRECT}: the block driver clears the sectors, then
     * writes ({@link MediaErrorModel#DIRECT_BYPASS}).
     */
    REWRITE_DIRECT,
    /**
     * Rewrite {@code range} (whole, aligned 4 KiB pages) with plain writes: the recovery write
     * clears each page's poison, then writes ({@link MediaErrorModel#RECOVERY_WRITE}).
     */
    REWRITE_PAGES,
    /**
     * No write clears the range in place: give the file new blocks, which are zeroed through the
     * driver, by punching a hole over {@code range} ({@link DaxFiles#punchHole}) and rewriting it,
     * or by deleting the file and restoring it from a backup ({@link
     * MediaErrorModel#CLEAR_ON_ZERO}).
     */
    REALLOCATE
  }

  public Recovery {
    requireNonNull(kind, "kind");
    requireNonNull(range, "range");
  }

  /**
   * The repair for {@code lost} under {@code model}, aligned to {@code sectorSize} and {@code
   * blockSize}.
   */
  public static Recovery of(MediaErrorModel model, FileRange lost, int sectorSize, int blockSize) {
    return switch (model) {
      case DIRECT_BYPASS -> new Recovery(Kind.REWRITE_DIRECT, lost.roundedOut(sectorSize));
      case RECOVERY_WRITE -> new Recovery(Kind.REWRITE_PAGES, lost.roundedOut(4096));
      case CLEAR_ON_ZERO -> new Recovery(Kind.REALLOCATE, lost.roundedOut(blockSize));
    };
  }

  /** One sentence a person can act on. */
  public String describe() {
    return switch (kind) {
      case REWRITE_DIRECT ->
          "rewrite bytes " + range + " through a channel opened with ExtendedOpenOption.DIRECT";
      case REWRITE_PAGES -> "rewrite bytes " + range + " (whole 4 KiB pages) with plain writes";
      case REALLOCATE ->
          "punch a hole over bytes "
              + range
              + " and rewrite them, or restore the file from a backup";
    };
  }
}
