package io.daxfs.device;

import com.google.common.collect.ImmutableList;
import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import java.util.List;

/**
 * A media error met by a device access: the device-level fact, before the filesystem translates it
 * into file ranges. Internal; programs see {@link io.daxfs.MediaErrorException}.
 */
public final class MediaFault extends Exception {
  private static final long serialVersionUID = 1L;

  private final AccessPath accessPath;
  private final transient ImmutableList<BadBlock> badBlocks;
  private final int bytesMoved;

  /**
   * @param accessPath the access path taken
   * @param badBlocks the bad sectors met within the access (not empty)
   * @param bytesMoved bytes copied before the error, from the start of the access
   */
  MediaFault(AccessPath accessPath, List<BadBlock> badBlocks, int bytesMoved) {
    super(null, null, false, false); // a control-flow signal inside daxfs: no stack trace needed
    this.accessPath = accessPath;
    this.badBlocks = ImmutableList.copyOf(badBlocks);
    this.bytesMoved = bytesMoved;
  }

  public AccessPath accessPath() {
    return accessPath;
  }

  public List<BadBlock> badBlocks() {
    return badBlocks;
  }

  public int bytesMoved() {
    return bytesMoved;
  }

  @Override
  public String getMessage() {
    return accessPath + " access met bad sectors " + badBlocks + " after " + bytesMoved + " bytes";
  }
}
