package io.daxfs.lucene;

import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NIOFSDirectory;
import org.junit.jupiter.api.Assumptions;

/** The ways a Lucene application opens an index on a path, each reading files differently. */
enum DirectoryKind {
  /** What most applications call: Lucene picks the directory (MMapDirectory on 64-bit JVMs). */
  FS_OPEN {
    @Override
    Directory open(Path path) throws IOException {
      return FSDirectory.open(path);
    }
  },
  /** Maps each file: ByteBuffers on Lucene 9 with JDK 17, memory segments (an Arena) on Lucene 10. */
  MMAP {
    @Override
    Directory open(Path path) throws IOException {
      return new MMapDirectory(path);
    }
  },
  /** Positional FileChannel reads into a buffer: every read is a daxfs DAX read. */
  NIOFS {
    @Override
    Directory open(Path path) throws IOException {
      return new NIOFSDirectory(path);
    }
  };

  abstract Directory open(Path path) throws IOException;

  /**
   * Skips the test for a mapping directory on a JDK where Lucene maps into an Arena (22+, Lucene
   * 10) while this build of daxfs does not implement {@code FileChannel.map(MapMode, long, long,
   * Arena)}; everywhere else the directory must work. Remove once that map is part of every build.
   */
  void assumeUsable() {
    Assumptions.assumeTrue(!maps() || ArenaMapping.SUPPORTED,
        "daxfs lacks FileChannel.map(MapMode, long, long, Arena), which Lucene 10's MMapDirectory uses");
  }

  /** Whether a daxfs channel maps into an Arena, or this JDK has no such method (so Lucene does not use it). */
  private static final class ArenaMapping {
    static final boolean SUPPORTED = probe();

    private static boolean probe() {
      Method map;
      Class<?> arena;
      try {
        arena = Class.forName("java.lang.foreign.Arena");
        map = FileChannel.class.getMethod("map", FileChannel.MapMode.class, long.class, long.class, arena);
      } catch (ReflectiveOperationException e) {
        return true;
      }
      try (FileSystem fs = DaxFileSystems.newFileSystem()) {
        Path file = fs.getPath("/probe");
        Files.write(file, new byte[4096]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            AutoCloseable scope = (AutoCloseable) arena.getMethod("ofConfined").invoke(null)) {
          map.invoke(ch, FileChannel.MapMode.READ_ONLY, 0L, 4096L, scope);
          return true;
        }
      } catch (InvocationTargetException e) {
        if (e.getCause() instanceof UnsupportedOperationException) {
          return false;
        }
        throw new AssertionError("probing FileChannel.map into an Arena on daxfs", e.getCause());
      } catch (Exception e) {
        throw new AssertionError("probing FileChannel.map into an Arena on daxfs", e);
      }
    }
  }

  /** Whether the directory maps files, so that a media error in a file fails at the open of its input. */
  boolean maps() {
    return this != NIOFS;
  }
}
