package io.daxfs.image;

import com.google.common.collect.TreeRangeSet;
import io.daxfs.CorruptImageException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code check} of an image at rest: reads everything but the file data (superblocks, checkpoint,
 * log, names, blocks, media state), reports what is wrong, and with {@code repair} writes back what
 * can be recovered, listing what was dropped.
 */
public final class ImageCheck {
  private ImageCheck() {}

  /**
   * What a check found.
   *
   * @param problems damage found, each naming the region and its byte offset in the image
   * @param repaired what a repair recovered or dropped (empty without repair, or when nothing was
   *     to be done)
   * @param notes what a crash leaves and every mount handles by itself (a torn last record, inodes
   *     an unfinished operation created), which a repair also settles
   */
  public record Report(List<String> problems, List<String> repaired, List<String> notes) {
    public Report {
      problems = List.copyOf(problems);
      repaired = List.copyOf(repaired);
      notes = List.copyOf(notes);
    }

    /** Whether the image was found without damage ({@link #notes()} are not damage). */
    public boolean clean() {
      return problems.isEmpty();
    }
  }

  /**
   * Checks {@code image}, taking its lock (shared for a check, exclusive for a repair).
   *
   * @throws NoSuchFileException if the image does not exist
   * @throws FileSystemException "Device or resource busy" if it is mounted (for a repair, by
   *     anyone; for a check, by a writer), in this JVM or another process
   * @throws CorruptImageException only when nothing can be read at all: no valid superblock, a
   *     format version newer than this daxfs reads, no readable checkpoint
   */
  public static Report run(Path image, boolean repair) throws IOException {
    if (ImageLocks.isOpenHere(image)) {
      throw ImageLocks.busy(image);
    }
    try (ImageLocks.Handle handle = ImageLocks.acquire(image, repair, false)) {
      ImageReader reader = new ImageReader(image, handle.file(), repair, true);
      ImageReader.Loaded loaded = reader.read();
      List<String> repaired = new ArrayList<>();
      if (repair) {
        repaired.addAll(reader.repairs);
        if (loaded != null && (!reader.problems.isEmpty() || !reader.notes.isEmpty())) {
          Superblock cur = loaded.superblock();
          long generation = Math.max(cur.generation(), reader.maxGenerationSeen);
          long epoch = Math.max(cur.epoch(), reader.maxEpochSeen);
          // twice, so that both slots hold a valid superblock again
          for (int i = 0; i < 2; i++) {
            cur =
                Image.writeCheckpoint(
                    handle.file(),
                    cur,
                    ++generation,
                    ++epoch,
                    loaded.state(),
                    TreeRangeSet.create(loaded.poisoned()),
                    TreeRangeSet.create(loaded.known()));
          }
          loaded.log().restart(epoch, cur.generation());
          handle.file().getFD().sync();
          repaired.add(
              "wrote checkpoint generation "
                  + cur.generation()
                  + " at byte "
                  + cur.checkpointOffset()
                  + " and both superblocks; the log restarts in epoch "
                  + epoch);
        }
      }
      return new Report(reader.problems, repaired, reader.notes);
    }
  }
}
