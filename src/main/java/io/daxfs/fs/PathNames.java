package io.daxfs.fs;

/**
 * A path as the filesystem resolves it: absolute or relative, and a sequence of names (which may
 * include {@code "."} and {@code ".."}). {@link #toString()} is the text used in exception
 * messages, as the caller gave it.
 */
public interface PathNames {
  boolean isAbsolute();

  int nameCount();

  String name(int index);
}
