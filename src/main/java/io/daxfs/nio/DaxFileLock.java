package io.daxfs.nio;

import java.io.IOException;
import java.nio.channels.FileLock;

/** A byte-range lock on a daxfs file or directory, held until released or its channel closes. */
final class DaxFileLock extends FileLock {
  private final DaxChannel holder;

  DaxFileLock(DaxChannel channel, long position, long size, boolean shared) {
    super(channel, position, size, shared);
    this.holder = channel;
  }

  @Override
  public boolean isValid() {
    return holder.isOpen() && holder.holds(this);
  }

  /**
   * @throws java.nio.channels.ClosedChannelException if the channel is closed
   */
  @Override
  public void release() throws IOException {
    holder.release(this);
  }
}
