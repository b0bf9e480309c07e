package io.daxfs.image;

import io.daxfs.fs.Errno;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * One writer per image: an exclusive lock on the host file for a writer, a shared one for readers,
 * and a table of the images this JVM has open (a JVM cannot ask the host about its own locks).
 *
 * <p>On Linux a lock on a file belongs to the process, and closing <em>any</em> descriptor of that
 * file drops it. So each image this JVM has open holds its lock through a descriptor of its own,
 * kept until the last mount of the image ends, and the lock is taken again whenever one of daxfs's
 * other descriptors of the image closes while mounts remain (another reader's end, a channel an
 * interrupt closed). Descriptors of the image that the program opens and closes itself drop the
 * lock too, until daxfs next takes it again.
 */
final class ImageLocks {
  private ImageLocks() {}

  private static final Map<Object, Entry> OPEN = new HashMap<>(); // guarded by ImageLocks.class

  /** An image this JVM has open: the descriptor and lock shared by its mounts. */
  private static final class Entry {
    final Object key;
    final boolean exclusive;
    final RandomAccessFile lockFile;
    FileLock lock; // guarded by ImageLocks.class
    int users; // guarded by ImageLocks.class

    Entry(Object key, boolean exclusive, RandomAccessFile lockFile, FileLock lock) {
      this.key = key;
      this.exclusive = exclusive;
      this.lockFile = lockFile;
      this.lock = lock;
    }
  }

  /** A mount's hold on an image: its own open file, and its share of the image's lock. */
  static final class Handle implements Closeable {
    private final Entry entry;
    private final RandomAccessFile file;
    private final boolean created;
    private boolean closed; // guarded by ImageLocks.class

    private Handle(Entry entry, RandomAccessFile file, boolean created) {
      this.entry = entry;
      this.file = file;
      this.created = created;
    }

    RandomAccessFile file() {
      return file;
    }

    /** Whether this hold created the file (it is empty, to be formatted). */
    boolean created() {
      return created;
    }

    /** Takes the lock again after a descriptor of the image was closed. */
    void relock() {
      synchronized (ImageLocks.class) {
        if (!closed) {
          ImageLocks.relock(entry);
        }
      }
    }

    @Override
    public void close() throws IOException {
      synchronized (ImageLocks.class) {
        if (closed) {
          return;
        }
        closed = true;
        try {
          file.close();
        } finally {
          if (--entry.users == 0) {
            OPEN.remove(entry.key);
            try {
              entry.lock.release();
            } finally {
              entry.lockFile.close();
            }
          } else {
            ImageLocks.relock(entry);
          }
        }
      }
    }
  }

  private static void relock(Entry e) {
    boolean interrupted = Thread.interrupted();
    try {
      e.lock.release();
      FileLock again = e.lockFile.getChannel().tryLock(0, Long.MAX_VALUE, !e.exclusive);
      if (again != null) {
        e.lock = again;
      }
    } catch (IOException | OverlappingFileLockException ignored) {
      // the image goes unprotected from other processes until its last mount ends: nothing
      // better can be done from here
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Opens {@code image} for a mount: exclusively for a writer, shared for a reader. With {@code
   * create}, a missing file is created empty, readable and writable by its owner only.
   *
   * @throws NoSuchFileException if the image does not exist (and is not to be created)
   * @throws FileSystemException "Device or resource busy" if a writer holds it, or, for a writer,
   *     anyone, in this JVM or another process
   */
  static Handle acquire(Path image, boolean exclusive, boolean create) throws IOException {
    synchronized (ImageLocks.class) {
      boolean created = false;
      if (create && Files.notExists(image)) {
        try {
          try {
            Files.createFile(
                image,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          } catch (UnsupportedOperationException notPosix) {
            Files.createFile(image);
          }
          created = true;
        } catch (FileAlreadyExistsException raced) {
          // another process made it meanwhile: mount what it holds
        }
      }
      Object key = keyOf(image);
      Entry e = OPEN.get(key);
      if (e != null) {
        if (exclusive || e.exclusive) {
          throw busy(image);
        }
        RandomAccessFile f = open(image, "r");
        e.users++;
        return new Handle(e, f, false);
      }
      String mode = exclusive ? "rw" : "r";
      RandomAccessFile lockFile = open(image, mode);
      FileLock lock = null;
      boolean interrupted = Thread.interrupted();
      try {
        lock = lockFile.getChannel().tryLock(0, Long.MAX_VALUE, !exclusive);
      } catch (OverlappingFileLockException heldInThisJvm) {
        lock = null;
      } catch (IOException | RuntimeException x) {
        lockFile.close();
        throw x;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      if (lock == null) {
        lockFile.close();
        if (created) {
          Files.deleteIfExists(image);
        }
        throw busy(image);
      }
      e = new Entry(key, exclusive, lockFile, lock);
      RandomAccessFile f;
      try {
        f = open(image, mode);
      } catch (IOException x) {
        lock.release();
        lockFile.close();
        throw x;
      }
      e.users = 1;
      OPEN.put(key, e);
      return new Handle(e, f, created);
    }
  }

  /** Whether this JVM has {@code image} open (so that it must not even open it). */
  static boolean isOpenHere(Path image) throws IOException {
    synchronized (ImageLocks.class) {
      return OPEN.containsKey(keyOf(image));
    }
  }

  /** The image opened as {@code mode} says, failing with the exceptions of {@code java.nio}. */
  private static RandomAccessFile open(Path image, String mode) throws IOException {
    try {
      return new RandomAccessFile(image.toFile(), mode);
    } catch (FileNotFoundException e) {
      if (Files.notExists(image)) {
        throw new NoSuchFileException(image.toString());
      }
      throw new AccessDeniedException(image.toString(), null, e.getMessage());
    }
  }

  static FileSystemException busy(Path image) {
    return new FileSystemException(image.toString(), null, Errno.EBUSY);
  }

  private static Object keyOf(Path image) throws IOException {
    BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new FileSystemException(image.toString(), null, "not a regular file");
    }
    Object key = a.fileKey();
    return key != null ? key : image.toRealPath();
  }
}
