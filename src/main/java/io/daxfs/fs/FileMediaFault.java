package io.daxfs.fs;

import io.daxfs.AccessPath;
import io.daxfs.FileRange;
import io.daxfs.device.MediaFault;
import java.io.IOException;
import java.util.List;

/**
 * A media error met by a file access, translated to the file: the step of the request that failed
 * and the device fault behind it. Internal; the NIO layer turns it into {@link
 * io.daxfs.MediaErrorException}, adding the file's name.
 */
public final class FileMediaFault extends IOException {
  private static final long serialVersionUID = 1L;

  private final long stepOffset;
  private final List<FileRange> badRanges;
  private final transient MediaFault fault;

  FileMediaFault(long stepOffset, List<FileRange> badRanges, MediaFault fault) {
    super(fault.getMessage(), fault);
    this.stepOffset = stepOffset;
    this.badRanges = List.copyOf(badRanges);
    this.fault = fault;
  }

  /** File offset where the failed step began: the position of the error for the caller. */
  public long stepOffset() {
    return stepOffset;
  }

  /** The bad sectors met, as file ranges (whole sectors, so possibly reaching before the step). */
  public List<FileRange> badRanges() {
    return badRanges;
  }

  public AccessPath accessPath() {
    return fault.accessPath();
  }

  public MediaFault deviceFault() {
    return fault;
  }
}
