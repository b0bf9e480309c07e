package io.daxfs.fs;

import java.nio.charset.StandardCharsets;

/** A symbolic link: its target text, kept exactly as given. */
public final class SymbolicLink extends Inode {
  private final String target;

  SymbolicLink(Volume volume, long id, int permissions, String target) {
    super(volume, id, permissions);
    this.target = target;
  }

  @Override
  public Kind kind() {
    return Kind.SYMBOLIC_LINK;
  }

  /** As on Linux: the length of the target in bytes. */
  @Override
  public long size() {
    return target.getBytes(StandardCharsets.UTF_8).length;
  }

  public String target() {
    return target;
  }
}
