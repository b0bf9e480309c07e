package io.daxfs.nio;

import java.io.IOException;
import java.nio.channels.FileLock;

/** A byte-range lock on a daxfs file, held until released or its channel closes. */
final class DaxFileLock extends FileLock {
  private final DaxFileChannel channel;

  DaxFileLock(DaxFileChannel channel, long position, long size, boolean shared) {
    super(channel, position, size, shared);
    this.channel = channel;
  }

  @Override
  public boolean isValid() {
    return channel.isOpen() && channel.holds(this);
  }

  /** @throws java.nio.channels.ClosedChannelException if the channel is closed */
  @Override
  public void release() throws IOException {
    channel.release(this);
  }
}
