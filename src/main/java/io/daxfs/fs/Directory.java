package io.daxfs.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** A directory: named entries and a parent. Both are guarded by the volume's tree lock. */
public final class Directory extends Inode {
  private final TreeMap<String, Inode> entries = new TreeMap<>();
  private final ByteRangeLocks byteRangeLocks = new ByteRangeLocks();
  private Directory parent;

  Directory(Volume volume, long id, int permissions, Directory parent) {
    super(volume, id, permissions);
    this.parent = parent == null ? this : parent;
  }

  @Override
  public Kind kind() {
    return Kind.DIRECTORY;
  }

  /** Linux reports one block for a small directory. */
  @Override
  public long size() {
    return volume().blockSize();
  }

  /** The byte-range locks held on this directory through channels opened on it. */
  public ByteRangeLocks byteRangeLocks() {
    return byteRangeLocks;
  }

  /** The parent directory; the root is its own parent. Caller holds the tree lock. */
  public Directory parent() {
    return parent;
  }

  void setParent(Directory parent) {
    this.parent = parent;
  }

  boolean isRoot() {
    return parent == this;
  }

  Inode get(String name) {
    return entries.get(name);
  }

  void put(String name, Inode inode) {
    entries.put(name, inode);
  }

  Inode remove(String name) {
    return entries.remove(name);
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The name under which {@code child} is linked here, or null. Caller holds the tree lock. */
  String nameOf(Inode child) {
    for (var e : entries.entrySet()) {
      if (e.getValue() == child) {
        return e.getKey();
      }
    }
    return null;
  }

  /** A snapshot of the regular files here, by name. Caller holds the tree lock. */
  java.util.Map<String, RegularFile> regularFiles() {
    java.util.Map<String, RegularFile> files = new java.util.TreeMap<>();
    entries.forEach(
        (name, inode) -> {
          if (inode instanceof RegularFile f) {
            files.put(name, f);
          }
        });
    return files;
  }

  /** A snapshot of the entry names, in sorted order. Caller holds the tree lock. */
  List<String> names() {
    return new ArrayList<>(entries.keySet());
  }
}
