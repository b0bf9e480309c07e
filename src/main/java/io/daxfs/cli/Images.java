package io.daxfs.cli;

import io.daxfs.DaxConfiguration;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the commands find their images: the one place that knows how an image becomes a mounted
 * filesystem, so the commands stay the same whatever backs them.
 */
interface Images {
  /**
   * Formats a new image with the given geometry and mounts it.
   *
   * @throws java.nio.file.FileAlreadyExistsException if the path exists
   */
  Mount create(Path image, DaxConfiguration config) throws IOException;

  /** Mounts an existing image, for reading only or for writing (one writer at a time). */
  Mount mount(Path image, boolean readOnly) throws IOException;

  /** Checks an image at rest and, if asked, repairs what can be repaired. */
  CheckReport check(Path image, boolean repair) throws IOException;

  /** A mounted image; closing it unmounts it. */
  interface Mount extends Closeable {
    FileSystem fs();
  }

  /**
   * What {@code check} found.
   *
   * @param problems damage, each naming what and where
   * @param repaired what a repair recovered or dropped
   * @param notes what a crash leaves and every mount settles by itself; not damage
   */
  record CheckReport(List<String> problems, List<String> repaired, List<String> notes) {
    public CheckReport {
      problems = List.copyOf(problems);
      repaired = List.copyOf(repaired);
      notes = List.copyOf(notes);
    }
  }
}
