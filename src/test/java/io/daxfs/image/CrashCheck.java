package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The judgement after a crash: a filesystem mounted from the image holds the workload's tree as it
 * was before the operation in flight, or after it, or (for an operation writing file data) after it
 * with that file's bytes each old or new; and its free space is what its files do not hold.
 */
final class CrashCheck {
  /** Which state the image held. */
  enum Outcome {
    BEFORE,
    AFTER,
    /** After, but the file the operation wrote has some old bytes, or its old size. */
    TORN,
    /**
     * Neither, for an operation of an {@linkplain #OPEN open issue}: the caller completes the
     * operation and judges again, which must give {@link #AFTER}.
     */
    HALF
  }

  /**
   * What a crash at some instant does to an image today that it must not, found by these tests and
   * tolerated by them (each exactly as it shows) until it is fixed; {@code
   * ImageCrashPointsTest.theOpenIssuesStillShow} fails once one is fixed, so that it is taken out
   * of {@link #OPEN} and checked again.
   */
  enum Issue {
    /**
     * A rename over an existing name is logged as two records (the old name unlinked, then the
     * rename): a crash between them leaves the target name gone and the source still there.
     */
    RENAME_OVER_A_NAME,
    /**
     * A truncation zeroes the rest of the new last block before its blocks and size are logged (as
     * one operation, since the fix of the second half of this issue): a crash in between leaves the
     * old size with zeroed bytes inside it. Linux does the same on DAX ({@code dax_truncate_page}
     * zeroes the media before the transaction commits), so this one stays tolerated, and
     * documented.
     */
    TRUNCATE,
    /**
     * A write past the end copies its bytes before the new size is logged: a crash in between
     * leaves them in the file's blocks past its end, which daxfs assumes are zero, so a later write
     * further out exposes them.
     */
    DATA_PAST_END
  }

  /**
   * The issues still tolerated. {@code RENAME_OVER_A_NAME} (fixed by logging an operation's records
   * as one group) and {@code DATA_PAST_END} (fixed by zeroing bytes past the end before a file
   * grows over them) are checked strictly now.
   */
  static final Set<Issue> OPEN = EnumSet.of(Issue.TRUNCATE);

  /** Whether an open issue may leave {@code op} half done. */
  static boolean mayBeHalfDone(CrashWorkload.Op op) {
    return switch (op.kind()) {
      case REPLACE -> OPEN.contains(Issue.RENAME_OVER_A_NAME);
      case TRUNCATE -> OPEN.contains(Issue.TRUNCATE);
      default -> false;
    };
  }

  /** Whether an open issue may leave bytes past the end of the file {@code op} writes. */
  static boolean mayLeaveBytesPastTheEnd(CrashWorkload.Op op) {
    return op.kind().writesData() && OPEN.contains(Issue.DATA_PAST_END);
  }

  private CrashCheck() {}

  /**
   * Judges {@code fs} against {@code before} (the model before {@code inFlight}) and {@code after}
   * (with it), failing with {@code story} and the differences when it is neither.
   */
  static Outcome judge(
      FileSystem fs,
      CrashWorkload before,
      CrashWorkload after,
      CrashWorkload.Op inFlight,
      String story)
      throws IOException {
    return judge(fs, before, after, inFlight, story, true);
  }

  /** As {@link #judge}; {@link Outcome#HALF} only if {@code halfAllowed}. */
  static Outcome judge(
      FileSystem fs,
      CrashWorkload before,
      CrashWorkload after,
      CrashWorkload.Op inFlight,
      String story,
      boolean halfAllowed)
      throws IOException {
    Path root = fs.getPath("/");
    TreeState actual = TreeState.read(root);
    FileStore store = fs.getFileStores().iterator().next();
    assertThat(store.getUnallocatedSpace())
        .as("%s: free space is what the files do not hold", story)
        .isEqualTo(store.getTotalSpace() - TreeState.allocatedBytes(root));
    TreeState then = after.snapshot();
    TreeState was = before.snapshot();
    List<String> notBefore = was.differences(actual, Set.of(), null);
    if (notBefore.isEmpty()) {
      return Outcome.BEFORE;
    }
    List<String> notAfter = then.differences(actual, Set.of(), null);
    if (notAfter.isEmpty()) {
      return Outcome.AFTER;
    }
    Set<String> torn = inFlight.kind().writesData() ? namesOf(then, after, inFlight) : Set.of();
    List<String> notTorn = torn.isEmpty() ? notAfter : then.differences(actual, torn, was);
    if (!notTorn.isEmpty() && halfAllowed && mayBeHalfDone(inFlight)) {
      return Outcome.HALF;
    }
    assertThat(notTorn)
        .as("%s: the image matches neither the state before it (%s) nor after it", story, notBefore)
        .isEmpty();
    return Outcome.TORN;
  }

  /**
   * Grows every file over all the blocks it holds past its end, and checks that what was past the
   * end reads as zeros: a crash must not leave old bytes there for a later write to expose (daxfs
   * keeps the bytes of allocated blocks past the end zero). Changes the files.
   */
  static void growingExposesNothing(FileSystem fs, String story) throws IOException {
    Map<Object, Path> files = new HashMap<>();
    try (var s = Files.walk(fs.getPath("/"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          files.putIfAbsent(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS), p);
        }
      }
    }
    for (Path p : files.values()) {
      long size = Files.size(p);
      long held = 0;
      for (FileExtent e : DaxFiles.extents(p)) {
        held = Math.max(held, e.logicalOffset() + e.length());
      }
      if (held <= size) {
        continue;
      }
      try (FileChannel ch =
          FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}), held);
        ByteBuffer past = ByteBuffer.allocate((int) (held - size));
        while (past.hasRemaining() && ch.read(past, size + past.position()) >= 0) {}
        byte[] b = past.array();
        for (int i = 0; i < b.length; i++) {
          assertThat(b[i])
              .as(
                  "%s: %s grown from %d bytes over the blocks it held to %d: byte %d",
                  story, p, size, held, size + i)
              .isZero();
        }
      }
    }
  }

  /**
   * Zeroes whatever lies past the end of {@code file} in the blocks it holds, keeping its size,
   * contents and times: the repair an {@linkplain Issue#DATA_PAST_END open issue} needs before the
   * file may grow again. It grows the file over those blocks and truncates it back, as truncation
   * zeroes the rest of the last block and frees the blocks after it.
   */
  static void zeroPastTheEnd(Path file, int blockSize) throws IOException {
    BasicFileAttributes times = Files.readAttributes(file, BasicFileAttributes.class);
    long size = times.size();
    long end = (size + blockSize - 1) / blockSize * blockSize;
    for (FileExtent e : DaxFiles.extents(file)) {
      end = Math.max(end, e.logicalOffset() + e.length());
    }
    if (end == size) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(1), end - 1);
      ch.truncate(size);
    }
    Files.getFileAttributeView(file, BasicFileAttributeView.class)
        .setTimes(times.lastModifiedTime(), times.lastAccessTime(), times.creationTime());
  }

  /** Every name of the file an operation acts on, in the model after it. */
  private static Set<String> namesOf(TreeState snapshot, CrashWorkload model, CrashWorkload.Op op) {
    Object id = model.find(op.path()).id;
    Set<String> names = new TreeSet<>();
    snapshot.entries.forEach(
        (path, e) -> {
          if (e.kind() == 'f' && e.identity().equals(id)) {
            names.add(path);
          }
        });
    return names;
  }
}
