package io.daxfs.device;

import com.google.common.collect.ImmutableList;
import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import java.io.IOException;
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
  private transient IOException journalFailure;

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

  /**
   * Why the change of media state this access made stays unmade, or null: the device's journal
   * could not keep the listing of the poison it consumed, or the clearing a recovery write needed
   * (which then stopped after {@link #bytesMoved()}).
   */
  public IOException journalFailure() {
    return journalFailure;
  }

  void journalFailed(IOException e) {
    journalFailure = e;
  }

  @Override
  public String getMessage() {
    return accessPath + " access met bad sectors " + badBlocks + " after " + bytesMoved + " bytes";
  }
}
