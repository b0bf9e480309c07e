package io.daxfs.fs;

/**
 * Hears what changed in a volume's namespace and files, as {@code fsnotify} tells {@code inotify}:
 * per entry of a directory, by the entry's name. Installed with {@link Volume#setChangeListener};
 * while none is installed, an operation pays one volatile read for its announcement.
 *
 * <p>Calls come on the thread that made the change, synchronously, and for namespace changes while
 * the volume's tree lock is held: an implementation must return quickly and must not call back into
 * the volume.
 */
public interface ChangeListener {
  /** What happened to an entry. */
  enum Change {
    /** The name appeared: created, linked, or moved here. */
    CREATED,
    /** The name went away: deleted, or moved elsewhere (or replaced by a move onto it). */
    DELETED,
    /** The file the name leads to changed: content, size, or attributes. */
    MODIFIED
  }

  /** {@code change} happened to the entry {@code name} of {@code directory}. */
  void entryChanged(Directory directory, String name, Change change);

  /**
   * {@code directory} itself is gone (removed, or replaced by a move onto its name); it has no
   * entries.
   */
  void directoryRemoved(Directory directory);
}
