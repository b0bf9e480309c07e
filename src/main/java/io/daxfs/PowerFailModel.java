package io.daxfs;

/**
 * What a power cut may do to the metadata a program has not made durable, chosen per filesystem
 * with {@link DaxConfiguration.Builder#powerFailModel}. Under both, what the program made durable
 * survives: data written through a channel (DAX or DIRECT) once the call returns; a file's size and
 * blocks at {@code force(false)} of a channel on it, and all its attributes too at {@code
 * force(true)}; a directory's names at {@code force} of a channel on the directory; everything at
 * {@link DaxFileSystems#sync}. See {@code docs/linux-dax-semantics.md} for the rules and their
 * kernel sources.
 */
public enum PowerFailModel {
  /**
   * A journaling filesystem such as ext4 or XFS: metadata operations survive as a prefix of the
   * order they happened in, each whole (a rename is never half done), and any {@code force} or sync
   * commits every operation before it, as a journal commit does.
   */
  ORDERED,
  /**
   * The POSIX minimum: only what the program made durable on a file or directory is sure to
   * survive; every other metadata operation may independently survive or be lost, as long as what
   * survives fits together (a name is never kept for a file whose creation was lost). A file's
   * {@code force} does not make its name durable, and a directory's {@code force} does not make its
   * files' sizes durable. It finds the most bugs.
   */
  STRICT
}
