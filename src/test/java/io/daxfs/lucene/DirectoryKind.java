package io.daxfs.lucene;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NIOFSDirectory;

/** The ways a Lucene application opens an index on a path, each reading files differently. */
enum DirectoryKind {
  /** What most applications call: Lucene picks the directory (MMapDirectory on 64-bit JVMs). */
  FS_OPEN {
    @Override
    Directory open(Path path) throws IOException {
      return FSDirectory.open(path);
    }
  },
  /**
   * Maps each file: ByteBuffers on Lucene 9 with JDK 17, memory segments (an Arena) on Lucene 10.
   */
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
   * Whether the directory maps files, so that a media error in a file fails at the open of its
   * input.
   */
  boolean maps() {
    return this != NIOFS;
  }
}
