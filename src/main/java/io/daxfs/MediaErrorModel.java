package io.daxfs;

/**
 * How the emulated kernel treats media errors: which paths fail on a bad sector and which can clear
 * one. See {@code linux-dax-semantics.md} for the table this follows.
 */
public enum MediaErrorModel {
  /**
   * The design judged closest to the block-device model in the 2016 discussion: {@code O_DIRECT}
   * bypasses DAX and takes the block driver, with its alignment rules, where a whole-sector write
   * clears a bad range. The default.
   */
  DIRECT_BYPASS,
  /**
   * Linux 4.7 to 5.18: DAX I/O fails on bad sectors, {@code O_DIRECT} is plain DAX I/O, and only
   * zeroing of newly allocated blocks clears an error.
   */
  CLEAR_ON_ZERO,
  /**
   * Linux 5.19 and later: as {@link #CLEAR_ON_ZERO}, but a write over a known bad range that covers
   * whole, aligned 4 KiB pages clears their poison and writes. A write that is not whole pages
   * fails where Linux returns EFAULT; daxfs throws {@link MediaErrorException} instead (reason
   * "Input/output error"), so that the program gets the lost range and the pages to rewrite.
   */
  RECOVERY_WRITE
}
