package io.daxfs.nio;

import com.google.common.collect.ImmutableList;
import io.daxfs.BadBlock;
import io.daxfs.DaxWatchEventKinds;
import io.daxfs.fs.ChangeListener;
import io.daxfs.fs.Directory;
import io.daxfs.fs.RegularFile;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The valid watch keys of one filesystem, by directory, across all its watch services: it turns the
 * volume's change announcements, and the device's new badblocks, into key events. It listens to the
 * volume only while some key is valid, and to the device only while some key wants {@link
 * DaxWatchEventKinds#ENTRY_MEDIA_ERROR}, so a filesystem nobody watches pays nothing.
 */
final class DaxWatchRegistry implements ChangeListener {
  private static final DaxWatchKey[] NONE = new DaxWatchKey[0];

  private final DaxFileSystem fs;

  /** Replaced whole (copy on write) under this object's monitor, read without it. */
  private final ConcurrentHashMap<Directory, DaxWatchKey[]> keys = new ConcurrentHashMap<>();

  private int mediaErrorKeys; // guarded by this
  private AutoCloseable badblocksSubscription; // guarded by this

  DaxWatchRegistry(DaxFileSystem fs) {
    this.fs = fs;
  }

  synchronized void add(DaxWatchKey key) {
    Directory dir = key.directory();
    if (dir.linkCount() == 0) {
      // removed after the registration resolved it, and before this: the removal found no key
      key.directoryRemoved();
      return;
    }
    DaxWatchKey[] old = keys.getOrDefault(dir, NONE);
    DaxWatchKey[] now = Arrays.copyOf(old, old.length + 1);
    now[old.length] = key;
    keys.put(dir, now);
    if (key.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR)) {
      mediaErrorKeysChanged(+1);
    }
    fs.volume().setChangeListener(this);
  }

  synchronized void changeKinds(DaxWatchKey key, Set<WatchEvent.Kind<?>> kinds) {
    boolean before = key.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR);
    key.setKinds(kinds);
    boolean after = key.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR);
    if (before != after && key.isValid()) {
      mediaErrorKeysChanged(after ? +1 : -1);
    }
  }

  synchronized void remove(DaxWatchKey key) {
    Directory dir = key.directory();
    DaxWatchKey[] old = keys.get(dir);
    int i = old == null ? -1 : Arrays.asList(old).indexOf(key);
    if (i < 0) {
      return;
    }
    if (old.length == 1) {
      keys.remove(dir);
    } else {
      DaxWatchKey[] now = new DaxWatchKey[old.length - 1];
      System.arraycopy(old, 0, now, 0, i);
      System.arraycopy(old, i + 1, now, i, now.length - i);
      keys.put(dir, now);
    }
    removed(key);
  }

  private void removed(DaxWatchKey key) {
    if (key.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR)) {
      mediaErrorKeysChanged(-1);
    }
    if (keys.isEmpty()) {
      fs.volume().setChangeListener(null);
    }
  }

  /** Follows the device's new badblocks exactly while some key wants media-error events. */
  private void mediaErrorKeysChanged(int delta) {
    mediaErrorKeys += delta;
    if (mediaErrorKeys > 0 && badblocksSubscription == null) {
      badblocksSubscription = fs.volume().device().onNewBadBlocks(this::badBlocksFound);
    } else if (mediaErrorKeys == 0 && badblocksSubscription != null) {
      try {
        badblocksSubscription.close();
      } catch (Exception e) {
        throw new IllegalStateException(e); // removing a listener from a set does not fail
      }
      badblocksSubscription = null;
    }
  }

  @Override
  public void entryChanged(Directory directory, String name, Change change) {
    DaxWatchKey[] watching = keys.get(directory);
    if (watching == null) {
      return;
    }
    WatchEvent.Kind<?> kind =
        switch (change) {
          case CREATED -> StandardWatchEventKinds.ENTRY_CREATE;
          case DELETED -> StandardWatchEventKinds.ENTRY_DELETE;
          case MODIFIED -> StandardWatchEventKinds.ENTRY_MODIFY;
        };
    DaxPath context = null;
    for (DaxWatchKey key : watching) {
      if (key.wants(kind)) {
        if (context == null) {
          context = DaxPath.of(fs, false, ImmutableList.of(name));
        }
        key.signalEvent(kind, context);
      }
    }
  }

  @Override
  public synchronized void directoryRemoved(Directory directory) {
    DaxWatchKey[] watching = keys.remove(directory);
    if (watching == null) {
      return;
    }
    for (DaxWatchKey key : watching) {
      key.directoryRemoved();
      removed(key);
    }
  }

  /**
   * On the device's notifier thread: tells each watched directory which of its files lost bytes.
   */
  private void badBlocksFound(List<BadBlock> blocks) {
    for (Map.Entry<Directory, DaxWatchKey[]> watched : keys.entrySet()) {
      if (Arrays.stream(watched.getValue())
          .noneMatch(k -> k.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR))) {
        continue;
      }
      for (Map.Entry<String, RegularFile> file :
          fs.volume().regularFiles(watched.getKey()).entrySet()) {
        if (!file.getValue().rangesOn(blocks).isEmpty()) {
          DaxPath context = DaxPath.of(fs, false, ImmutableList.of(file.getKey()));
          for (DaxWatchKey key : watched.getValue()) {
            if (key.wants(DaxWatchEventKinds.ENTRY_MEDIA_ERROR) && key.isValid()) {
              key.signalEvent(DaxWatchEventKinds.ENTRY_MEDIA_ERROR, context);
            }
          }
        }
      }
    }
  }
}
