package io.daxfs.nio;

import io.daxfs.DaxConfiguration;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.Recovery;
import io.daxfs.fs.FileMediaFault;
import java.io.IOException;
import java.util.List;

/** Builds the {@link MediaErrorException} a program sees from a fault the filesystem met. */
final class MediaErrors {
  private MediaErrors() {}

  static MediaErrorException of(
      DaxConfiguration config,
      String file,
      FileMediaFault f,
      MediaErrorException.Operation operation) {
    List<FileRange> ranges = f.badRanges();
    FileRange first = ranges.get(0);
    FileRange span =
        new FileRange(first.offset(), ranges.get(ranges.size() - 1).end() - first.offset());
    // No cause: the fault is internal, and programs that rebuild an exception from its message and
    // cause (as Lucene's MMapDirectory does) must meet only public types. The message tells all.
    MediaErrorException e =
        new MediaErrorException(
            file,
            operation,
            f.stepOffset(),
            ranges,
            f.deviceFault().badBlocks(),
            f.accessPath(),
            Recovery.of(config.mediaErrorModel(), span, config.sectorSize(), config.blockSize()));
    IOException unkept = f.deviceFault().journalFailure();
    if (unkept != null) {
      e.addSuppressed(unkept); // a JDK type: the image's host storage failed
    }
    return e;
  }
}
