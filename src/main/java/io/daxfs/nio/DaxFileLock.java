package io.daxfs.nio;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;

/** A byte-range lock on a daxfs file or directory, held until released or its channel closes. */
final class DaxFileLock extends FileLock {
  /** The channel side of a lock: the channel's record of the locks it holds. */
  interface Holder {
    boolean holds(DaxFileLock lock);

    /** @throws java.nio.channels.ClosedChannelException if the channel is closed */
    void release(DaxFileLock lock) throws IOException;
  }

  private final Holder holder;

  <C extends FileChannel & Holder> DaxFileLock(C channel, long position, long size, boolean shared) {
    super(channel, position, size, shared);
    this.holder = channel;
  }

  @Override
  public boolean isValid() {
    return channel().isOpen() && holder.holds(this);
  }

  /** @throws java.nio.channels.ClosedChannelException if the channel is closed */
  @Override
  public void release() throws IOException {
    holder.release(this);
  }
}
