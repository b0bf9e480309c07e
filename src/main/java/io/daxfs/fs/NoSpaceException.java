package io.daxfs.fs;

/**
 * Checked on purpose: running out of blocks is an ordinary outcome on a full device that callers
 * must turn into an {@code IOException} ("No space left on device"), not a programming error.
 */
final class NoSpaceException extends Exception {
  private static final long serialVersionUID = 1L;

  private final long requested;
  private final long free;

  NoSpaceException(long requested, long free) {
    super("need " + requested + " blocks, " + free + " free");
    this.requested = requested;
    this.free = free;
  }

  long requested() {
    return requested;
  }

  long free() {
    return free;
  }
}
