package io.daxfs.nio;

import io.daxfs.AccessPath;
import io.daxfs.MediaErrorException;
import io.daxfs.fs.Directory;
import io.daxfs.fs.FileMediaFault;
import io.daxfs.fs.Inode;
import io.daxfs.fs.RegularFile;
import io.daxfs.fs.SymbolicLink;
import io.daxfs.fs.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * {@code Files.copy} and cross-filesystem {@code Files.move} between daxfs paths, following what
 * the JDK does on Linux: an existing target is deleted first when replacing (a non-empty directory
 * refuses), a directory is copied without its entries, a link is copied as a link when links are
 * not followed, and data goes through the DAX path.
 */
final class DaxCopy {
  private static final int CHUNK = 1 << 20;

  private DaxCopy() {}

  static void copy(DaxPath source, DaxPath target, DaxFileSystemProvider.CopyOptions o)
      throws IOException {
    Volume sv = source.getFileSystem().volume();
    Volume tv = target.getFileSystem().volume();
    Inode from = sv.resolve(sv.root(), source, o.followLinks());
    Volume.Entry existing = entry(tv, target);
    if (existing.exists()) {
      if (existing.inode() == from) {
        return; // the same file: nothing to copy
      }
      if (!o.replaceExisting()) {
        throw new FileAlreadyExistsException(target.toString());
      }
      tv.delete(tv.root(), target, Volume.DeleteMode.ANY);
      if (!(from instanceof Directory)) {
        // The JDK reads a file's data, and a link's target, by the source's path after deleting
        // the target: a source reached through the deleted target (a link copied onto itself) is
        // gone by then (NoSuchFileException)
        Inode again = sv.resolve(sv.root(), source, o.followLinks());
        if (again.kind() == from.kind()) {
          from = again;
        }
      }
    }
    Inode to;
    if (from instanceof Directory) {
      to = tv.createDirectory(tv.root(), target, from.permissions());
    } else if (from instanceof SymbolicLink link) {
      to = tv.createSymbolicLink(tv.root(), target, link.target(), 0777);
    } else {
      // Created with the source's mode (less the umask), as the JDK's copy on Linux creates it
      to = tv.open(tv.root(), target, new Volume.OpenSpec(false, true, false, from.permissions()));
    }
    boolean complete = false;
    try {
      if (to instanceof RegularFile file) {
        copyData((RegularFile) from, source, file, target);
      }
      if (o.copyAttributes()) {
        AttributeService.copyAttributes(from, to);
      }
      complete = true;
    } finally {
      if (to instanceof RegularFile file) {
        file.release();
      }
      if (!complete) {
        // As the JDK's copy does on Linux: a target it could not finish is removed (if it can
        // be), so that no partial copy passes for a good one.
        try {
          tv.delete(tv.root(), target, Volume.DeleteMode.ANY);
        } catch (IOException | RuntimeException ignored) {
          // the copy's own failure is the one to report
        }
      }
    }
  }

  private static Volume.Entry entry(Volume v, DaxPath p) throws IOException {
    v.readLock().lock();
    try {
      return v.lookup(v.root(), p, false);
    } finally {
      v.readLock().unlock();
    }
  }

  /** Copies {@code from}'s bytes into {@code to}, a new empty file that the caller holds open. */
  private static void copyData(RegularFile from, DaxPath source, RegularFile to, DaxPath target)
      throws IOException {
    from.retain();
    try {
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(from.size(), 1)));
      long pos = 0;
      while (true) {
        buf.clear();
        int n;
        try {
          n = from.read(AccessPath.DAX, pos, buf);
        } catch (FileMediaFault f) {
          throw MediaErrors.of(
              source.getFileSystem().configuration(),
              source.toString(),
              f,
              MediaErrorException.Operation.READ);
        }
        if (n <= 0) {
          break;
        }
        buf.flip();
        try {
          to.write(AccessPath.DAX, pos, buf);
        } catch (FileMediaFault f) {
          throw MediaErrors.of(
              target.getFileSystem().configuration(),
              target.toString(),
              f,
              MediaErrorException.Operation.WRITE);
        }
        pos += n;
      }
    } finally {
      from.release();
    }
  }

  /** A move between two daxfs filesystems: copy with attributes, then delete the source. */
  static void moveAcross(DaxPath source, DaxPath target, DaxFileSystemProvider.CopyOptions o)
      throws IOException {
    Volume sv = source.getFileSystem().volume();
    Inode from = sv.resolve(sv.root(), source, false);
    if (from instanceof Directory d && !sv.list(d).isEmpty()) {
      throw new DirectoryNotEmptyException(source.toString());
    }
    copy(
        source,
        target,
        new DaxFileSystemProvider.CopyOptions(o.replaceExisting(), true, false, false));
    try {
      sv.delete(sv.root(), source, Volume.DeleteMode.ANY);
    } catch (NoSuchFileException gone) {
      // removed by someone else meanwhile: the move's result stands
    }
  }
}
