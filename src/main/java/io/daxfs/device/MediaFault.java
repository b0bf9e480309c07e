package io.daxfs.device;

import io.daxfs.AccessPath;

/**
 * A media error met by a device access: the device-level fact, before the filesystem translates it
 * into file ranges. Internal; programs see {@link io.daxfs.MediaErrorException}.
 */
public final class MediaFault extends Exception {
  private static final long serialVersionUID = 1L;

  private final AccessPath path;
  private final long firstBadSector;
  private final long badSectorCount;
  private final int bytesMoved;

  /**
   * @param path the path of the access
   * @param firstBadSector first bad sector met
   * @param badSectorCount consecutive bad sectors from there within the access
   * @param bytesMoved bytes copied before the error, from the start of the access
   */
  public MediaFault(AccessPath path, long firstBadSector, long badSectorCount, int bytesMoved) {
    super(null, null, false, false);
    this.path = path;
    this.firstBadSector = firstBadSector;
    this.badSectorCount = badSectorCount;
    this.bytesMoved = bytesMoved;
  }

  public AccessPath path() {
    return path;
  }

  public long firstBadSector() {
    return firstBadSector;
  }

  public long badSectorCount() {
    return badSectorCount;
  }

  public int bytesMoved() {
    return bytesMoved;
  }

  @Override
  public String getMessage() {
    return path + " access met bad sectors " + firstBadSector + "+" + badSectorCount
        + " after " + bytesMoved + " bytes";
  }
}
