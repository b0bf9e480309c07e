package io.daxfs;

import java.nio.file.Path;
import java.util.List;

/**
 * Told when bytes of a watched file become known lost: poison injected, found by a scrub, or
 * consumed by another access. It is daxfs's form of the kernel's "action optional" SIGBUS to
 * processes that map the poisoned memory: a mapping keeps running, and stores through it never
 * clear the poison.
 */
@FunctionalInterface
public interface MediaErrorListener {
  /**
   * Called on a daxfs thread, in the order the errors became known.
   *
   * @param file the file as it was named when the listener was registered
   * @param lost the file's byte ranges on the newly known bad sectors, whole sectors, in file order
   */
  void mediaErrorFound(Path file, List<FileRange> lost);
}
