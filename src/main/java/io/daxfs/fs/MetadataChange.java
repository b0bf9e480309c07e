package io.daxfs.fs;

import static java.util.Objects.requireNonNull;

/**
 * One change of filesystem metadata, as a journal records it: inodes named by number, so that a
 * change can be stored, replayed on a {@link VolumeState} and mounted again. A volume reports every
 * change to its {@link MetadataJournal} in the order the changes took effect on each inode and
 * directory.
 *
 * <p>Link counts are not recorded: they follow from the names. File times change with every write
 * and are recorded only with the next change of the inode's attributes (as Linux's {@code
 * lazytime}); a snapshot ({@link VolumeState#changes()}) carries them all.
 */
public sealed interface MetadataChange {
  /** The inode the change is about: a directory for changes of its names. */
  long inode();

  /**
   * A new inode, with no name yet: permissions, owner and group, one time for all four times, and a
   * symbolic link's target ({@code null} for other kinds).
   */
  record Created(
      long inode,
      Inode.Kind kind,
      int permissions,
      String owner,
      String group,
      long time,
      String target)
      implements MetadataChange {
    public Created {
      requireNonNull(kind, "kind");
      requireNonNull(owner, "owner");
      requireNonNull(group, "group");
      if ((kind == Inode.Kind.SYMBOLIC_LINK) != (target != null)) {
        throw new IllegalArgumentException("a target is for symbolic links only: " + kind);
      }
    }
  }

  /** A new name {@code name} in {@code directory} for {@code target}. */
  record Linked(long directory, String name, long target) implements MetadataChange {
    public Linked {
      requireNonNull(name, "name");
    }

    @Override
    public long inode() {
      return directory;
    }
  }

  /**
   * The name {@code name} in {@code directory}, which led to {@code target}, removed; an inode
   * whose last name goes is gone.
   */
  record Unlinked(long directory, String name, long target) implements MetadataChange {
    public Unlinked {
      requireNonNull(name, "name");
    }

    @Override
    public long inode() {
      return directory;
    }
  }

  /**
   * {@code target}'s name moved; a name it replaced was {@link Unlinked} just before. Durable with
   * either directory, as a journaling filesystem commits a rename whole.
   */
  record Renamed(long fromDirectory, String fromName, long toDirectory, String toName, long target)
      implements MetadataChange {
    public Renamed {
      requireNonNull(fromName, "fromName");
      requireNonNull(toName, "toName");
    }

    @Override
    public long inode() {
      return toDirectory;
    }
  }

  /** An inode's attributes now, times in nanoseconds since the epoch. */
  record AttributesSet(
      long inode,
      int permissions,
      String owner,
      String group,
      long lastModifiedTime,
      long lastAccessTime,
      long creationTime,
      long changeTime)
      implements MetadataChange {
    public AttributesSet {
      requireNonNull(owner, "owner");
      requireNonNull(group, "group");
    }
  }

  /** File blocks {@code [logical, logical + count)} now on device blocks from {@code physical}. */
  record ExtentAdded(long inode, long logical, long physical, long count)
      implements MetadataChange {
    public ExtentAdded {
      if (logical < 0 || physical < 0 || count <= 0) {
        throw new IllegalArgumentException(
            "bad extent: " + logical + " -> " + physical + " x " + count);
      }
    }
  }

  /**
   * File blocks {@code [fromLogical, toLogical)} no longer allocated: their device blocks freed.
   */
  record ExtentsRemoved(long inode, long fromLogical, long toLogical) implements MetadataChange {
    public ExtentsRemoved {
      if (fromLogical < 0 || toLogical < fromLogical) {
        throw new IllegalArgumentException("bad range: " + fromLogical + ".." + toLogical);
      }
    }
  }

  /** A regular file's size now. */
  record Resized(long inode, long size) implements MetadataChange {
    public Resized {
      if (size < 0 || size > RegularFile.MAX_SIZE) {
        throw new IllegalArgumentException("bad size: " + size);
      }
    }
  }
}
