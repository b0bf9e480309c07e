package io.daxfs.image;

import io.daxfs.fs.Inode;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Unlinked;
import io.daxfs.fs.VolumeState;
import java.util.ArrayList;
import java.util.List;

/**
 * The image journal's copy of the metadata, for checkpoints, which holds back the changes of the
 * few newest files and symbolic links: a file created and removed before its changes are applied
 * (the small-file cycle) never enters the state at all. Held-back changes are of their own inode
 * only: its creation, the names it gains, its blocks, size and attributes. They commute with every
 * other change (no other inode can take a name it holds), so applying them later gives the state
 * applying them at once would; before it gives a name up (unless its last, which drops them all),
 * they are applied. Not thread-safe.
 */
final class Mirror {
  /** How many new inodes are held back at most; the oldest is applied to make room. */
  static final int SLOTS = 4;

  private VolumeState state;
  private final long[] ids = new long[SLOTS];
  private final int[] names = new int[SLOTS];
  private final long[] age = new long[SLOTS];

  @SuppressWarnings({"unchecked", "rawtypes"})
  private final List<MetadataChange>[] held = new List[SLOTS];

  private int used; // slots in use are the first `used`
  private long clock;

  Mirror(VolumeState state) {
    this.state = state;
  }

  /** Takes {@code change} in: applied now, or held back with its inode's other changes. */
  void apply(MetadataChange change) {
    if (change instanceof Created c) {
      if (c.kind() != Inode.Kind.DIRECTORY) {
        hold(c);
        return;
      }
    } else {
      int s = slotOf(subject(change));
      if (s >= 0) {
        if (change instanceof Unlinked && names[s] == 1) {
          // gone with its last name: none of its changes will matter to a checkpoint
          free(s);
          return;
        }
        if (change instanceof Unlinked || change instanceof Renamed) {
          // A name it gives up may be taken by a change applied at once: its own changes must be
          // in the state before that one.
          flush(s);
        } else {
          if (change instanceof Linked) {
            names[s]++;
          }
          held[s].add(change);
          return;
        }
      }
    }
    state.apply(change);
  }

  /** The state with every change taken in so far applied. */
  VolumeState state() {
    while (used > 0) {
      flush(used - 1);
    }
    return state;
  }

  /** Makes {@code replacement} the state, dropping what is held back. */
  void replace(VolumeState replacement) {
    while (used > 0) {
      free(used - 1);
    }
    state = replacement;
  }

  /** The inode a change is about: the target of a change of names. */
  private static long subject(MetadataChange change) {
    if (change instanceof Linked l) {
      return l.target();
    } else if (change instanceof Unlinked u) {
      return u.target();
    } else if (change instanceof Renamed r) {
      return r.target();
    }
    return change.inode();
  }

  private int slotOf(long id) {
    for (int i = 0; i < used; i++) {
      if (ids[i] == id) {
        return i;
      }
    }
    return -1;
  }

  private void hold(Created c) {
    if (used == SLOTS) {
      int oldest = 0;
      for (int i = 1; i < used; i++) {
        if (age[i] < age[oldest]) {
          oldest = i;
        }
      }
      flush(oldest);
    }
    int s = used++;
    ids[s] = c.inode();
    names[s] = 0;
    age[s] = clock++;
    List<MetadataChange> list = held[s];
    if (list == null) {
      list = held[s] = new ArrayList<>(8);
    }
    list.add(c);
  }

  /** Applies slot {@code s}'s changes and frees it. */
  private void flush(int s) {
    List<MetadataChange> list = held[s];
    for (int i = 0; i < list.size(); i++) {
      state.apply(list.get(i));
    }
    free(s);
  }

  /** Frees slot {@code s}, dropping its changes; its inode number stays used. */
  private void free(int s) {
    state.reserveIdsBelow(ids[s] + 1);
    int last = used - 1;
    List<MetadataChange> list = held[s];
    list.clear();
    if (s != last) {
      ids[s] = ids[last];
      names[s] = names[last];
      age[s] = age[last];
      held[s] = held[last];
      held[last] = list;
    }
    used--;
  }
}
