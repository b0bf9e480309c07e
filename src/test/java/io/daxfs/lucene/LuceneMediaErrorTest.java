package io.daxfs.lucene;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Lucene index on daxfs loses bytes of a segment file to a media error. What Lucene reports must
 * be an {@link IOException} caused by daxfs's {@link MediaErrorException}, never a wrong answer;
 * {@link DaxFiles#badRanges} over the index directory tells which files lost which bytes; and each
 * recovery an operator has (restore the files from a backup, rebuild the index from its source,
 * rewrite the lost sectors through DIRECT) leaves an index that CheckIndex finds clean, that
 * answers as before, on a device with no bad blocks left.
 *
 * <p>Where the poison lands is drawn from a seed printed with every failure; rerun one with {@code
 * -Ddaxfs.lucene.seed=<seed>}.
 */
class LuceneMediaErrorTest {
  private static final long SEED = Long.getLong("daxfs.lucene.seed", System.nanoTime());
  private static final Corpus CORPUS = Corpus.generate(SEED, 3000);

  private FileSystem fs;
  private FileSystem backupFs;
  private PmemDevice device;
  private Path index;
  private Path backup;

  @BeforeEach
  void buildAndBackUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(32 << 20).build());
    backupFs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(256 << 20).build());
    device = DaxFileSystems.device(fs);
    index = fs.getPath("/srv/index");
    backup = backupFs.getPath("/snapshot");
  }

  @AfterEach
  void close() throws IOException {
    fs.close();
    backupFs.close();
  }

  /**
   * Where the poison goes: a segment file of one kind, and whether it is listed at once or only
   * found on access.
   */
  enum Damage {
    CFS_KNOWN(true, ".cfs", false),
    CFS_LATENT(true, ".cfs", true),
    STORED_FIELDS_KNOWN(false, ".fdt", false),
    POSTINGS_LATENT(false, ".doc", true),
    TERMS_KNOWN(false, ".tim", false),
    DOC_VALUES_LATENT(false, ".dvd", true);

    final boolean compound;
    final String extension;
    final boolean latent;

    Damage(boolean compound, String extension, boolean latent) {
      this.compound = compound;
      this.extension = extension;
      this.latent = latent;
    }
  }

  static Stream<Arguments> kindsAndDamage() {
    List<Arguments> cases = new ArrayList<>();
    for (DirectoryKind kind : DirectoryKind.values()) {
      for (Damage damage : Damage.values()) {
        cases.add(Arguments.of(kind, damage));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("kindsAndDamage")
  void aLostRangeOfASegmentFileSurfacesAsAnIOExceptionAndNeverAsAWrongAnswer(
      DirectoryKind kind, Damage damage) throws Exception {
    withSeed(
        () -> {
          try (Directory dir = kind.open(index)) {
            CORPUS.indexInto(dir, damage.compound);
          }
          Random random = new Random(SEED ^ damage.ordinal());
          Path file = largestFileEndingWith(damage.extension);
          FileRange poisoned = poison(file, random, damage.latent);

          List<Exception> failures = new ArrayList<>();
          boolean openFailed = false;
          try (Directory dir = kind.open(index)) {
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
              IndexSearcher searcher = new IndexSearcher(reader);
              for (Corpus.Named q : CORPUS.questions()) {
                try {
                  q.question()
                      .ask(searcher); // a wrong answer is an AssertionError and fails the test
                } catch (IOException e) {
                  failures.add(e);
                } catch (RuntimeException e) {
                  // Doc values are read through LongValues.get, which cannot throw IOException:
                  // Lucene
                  // wraps it in a RuntimeException.
                  assertThat(e).as(trace(e)).hasCauseInstanceOf(IOException.class);
                  failures.add(e);
                }
              }
            } catch (IOException e) {
              openFailed = true;
              failures.add(e);
            }
            Corpus.Verdict verdict = Corpus.checkIndex(dir);
            assertThat(verdict.status().clean)
                .as("CheckIndex after %s in %s:%n%s", poisoned, file, verdict.report())
                .isFalse();
            assertThat(verdict.status().numBadSegments).as(verdict.report()).isOne();
            for (CheckIndex.Status.SegmentInfoStatus segment : verdict.status().segmentInfos) {
              if (segment.error != null) {
                assertReportsTheMediaError(kind, segment.error, file);
              }
            }
          }
          if (kind.maps()) {
            assertThat(openFailed)
                .as("a mapping directory maps the whole file when the reader opens it")
                .isTrue();
          }
          for (Exception failure : failures) {
            assertReportsTheMediaError(kind, failure, file);
          }
          // A DAX read stops at the first poisoned sector, so of latent poison Lucene's reads find
          // only a
          // first part; a scrub finds the rest.
          FileRange lostSectors = poisoned.roundedOut(device.sectorSize());
          Map<String, List<FileRange>> found = badRangesOfTheIndex();
          assertThat(found)
              .as("what Lucene's reads found lost")
              .containsOnlyKeys(file.getFileName().toString());
          assertThat(found.get(file.getFileName().toString()))
              .isNotEmpty()
              .allSatisfy(
                  r ->
                      assertThat(r.offset() >= lostSectors.offset() && r.end() <= lostSectors.end())
                          .as("%s lies in %s", r, lostSectors)
                          .isTrue());
          device.scrub();
          assertThat(badRangesOfTheIndex())
              .as("what the index lost, after a scrub")
              .isEqualTo(Map.of(file.getFileName().toString(), List.of(lostSectors)));
        });
  }

  /** The ways back to a clean index. */
  enum Recovery {
    /**
     * Delete each damaged file and copy it back from the snapshot: new blocks, zeroed through the
     * driver.
     */
    RESTORE_FILES,
    /** The index is derived data: throw it away and index the source documents again. */
    REBUILD,
    /** Rewrite only the lost sectors, from the snapshot, through ExtendedOpenOption.DIRECT. */
    REWRITE_DIRECT
  }

  static Stream<Arguments> kindsAndRecoveries() {
    List<Arguments> cases = new ArrayList<>();
    for (DirectoryKind kind : DirectoryKind.values()) {
      for (Recovery recovery : Recovery.values()) {
        cases.add(Arguments.of(kind, recovery));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("kindsAndRecoveries")
  void eachRecoveryLeavesACleanIndexThatAnswersAsBefore(DirectoryKind kind, Recovery recovery)
      throws Exception {
    withSeed(
        () -> {
          try (Directory dir = kind.open(index)) {
            CORPUS.indexInto(dir, false);
          }
          snapshot();
          Random random = new Random(SEED ^ (31L * recovery.ordinal() + kind.ordinal()));
          Path stored = largestFileEndingWith(".fdt");
          Path postings = largestFileEndingWith(".doc");
          FileRange storedLost = poison(stored, random, false).roundedOut(device.sectorSize());
          FileRange postingsLost = poison(postings, random, true).roundedOut(device.sectorSize());

          try (Directory dir = kind.open(index)) {
            Corpus.Verdict verdict = Corpus.checkIndex(dir);
            assertThat(verdict.status().clean).as(verdict.report()).isFalse();
          }
          device.scrub(); // what CheckIndex did not touch, a scrub finds
          Map<String, List<FileRange>> lost = badRangesOfTheIndex();
          assertThat(lost)
              .isEqualTo(
                  Map.of(
                      stored.getFileName().toString(), List.of(storedLost),
                      postings.getFileName().toString(), List.of(postingsLost)));

          Path repaired = index;
          switch (recovery) {
            case RESTORE_FILES -> {
              Set<Long> bad = sectors(device.badblocks());
              for (String name : lost.keySet()) {
                Files.delete(index.resolve(name));
                Files.copy(backup.resolve(name), index.resolve(name));
              }
              // The copies went where the allocator chose: freed bad sectors they reused were
              // zeroed through
              // the driver on allocation; the others hold no file's data and stay listed until a
              // later
              // allocation zeroes them, as it does for any new data.
              assertThat(bad).containsAll(sectors(device.badblocks()));
              assertThat(badRangesOfTheIndex()).isEmpty();
              fillTheFreeSpace();
            }
            case REBUILD -> {
              deleteIndex();
              repaired = fs.getPath("/srv/index-rebuilt");
              try (Directory dir = kind.open(repaired)) {
                CORPUS.indexInto(dir, false);
              }
            }
            case REWRITE_DIRECT -> {
              for (Map.Entry<String, List<FileRange>> e : lost.entrySet()) {
                rewriteDirect(index.resolve(e.getKey()), backup.resolve(e.getKey()), e.getValue());
              }
            }
          }

          assertThat(device.badblocks()).as("the device after %s", recovery).isEmpty();
          try (Directory dir = kind.open(repaired)) {
            Corpus.Verdict verdict = Corpus.checkIndex(dir);
            assertThat(verdict.status().clean).as(verdict.report()).isTrue();
            CORPUS.verify(dir);
          }
          try (Stream<Path> files = Files.list(repaired)) {
            for (Path f : files.toList()) {
              assertThat(DaxFiles.badRanges(f)).as("%s after %s", f, recovery).isEmpty();
              if (recovery != Recovery.REBUILD
                  && !f.getFileName().toString().equals("write.lock")) {
                assertThat(Files.mismatch(f, backup.resolve(f.getFileName().toString())))
                    .as("%s equals its snapshot", f)
                    .isEqualTo(-1L);
              }
            }
          }
        });
  }

  /** Copies every file of the committed index to another device, as a backup after commit would. */
  private void snapshot() throws IOException {
    Files.createDirectories(backup);
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("write.lock")) {
          Files.copy(f, backup.resolve(f.getFileName().toString()));
        }
      }
    }
  }

  private static Set<Long> sectors(List<BadBlock> badblocks) {
    Set<Long> sectors = new TreeSet<>();
    for (BadBlock b : badblocks) {
      for (long i = 0; i < b.count(); i++) {
        sectors.add(b.startSector() + i);
      }
    }
    return sectors;
  }

  /**
   * Writes a scratch file over every free block, then deletes it: each block is zeroed as it is
   * allocated.
   */
  private void fillTheFreeSpace() throws IOException {
    Path scratch = fs.getPath("/scratch");
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    try (FileChannel ch = FileChannel.open(scratch, CREATE_NEW, WRITE)) {
      long free;
      while ((free = Files.getFileStore(scratch).getUnallocatedSpace()) > 0) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), free));
        ch.write(chunk);
      }
    }
    Files.delete(scratch);
  }

  private void deleteIndex() throws IOException {
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(index);
  }

  /**
   * The recovery {@link MediaErrorException#recovery()} names under DIRECT_BYPASS: the lost whole
   * sectors, written from the snapshot through the block driver, which clears them. A last sector
   * that reaches past the end of file is written whole (DIRECT moves whole sectors only) and the
   * file cut back to its length.
   */
  private static void rewriteDirect(Path file, Path snapshot, List<FileRange> lost)
      throws IOException {
    int align = Math.toIntExact(Files.getFileStore(file).getBlockSize());
    try (FileChannel from = FileChannel.open(snapshot, READ);
        FileChannel to = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
      long length = to.size();
      for (FileRange r : lost) {
        ByteBuffer sectors =
            ByteBuffer.allocateDirect(Math.toIntExact(r.length()) + align).alignedSlice(align);
        sectors.limit(Math.toIntExact(r.length()));
        while (sectors.hasRemaining() && from.read(sectors, r.offset() + sectors.position()) >= 0) {
          // the snapshot's bytes of the range; past its end the sector stays zero
        }
        sectors.clear().limit(Math.toIntExact(r.length()));
        while (sectors.hasRemaining()) {
          to.write(sectors, r.offset() + sectors.position());
        }
      }
      to.truncate(length);
    }
  }

  /**
   * Poisons a seeded range of up to two sectors inside {@code file}; returns the file range
   * poisoned.
   */
  private static FileRange poison(Path file, Random random, boolean latent) throws IOException {
    long size = Files.size(file);
    long offset = (long) (random.nextDouble() * size);
    long length = Math.min(size - offset, 1 + random.nextInt(1024));
    if (latent) {
      DaxFiles.injectLatentError(file, offset, length);
    } else {
      DaxFiles.injectError(file, offset, length);
    }
    return new FileRange(offset, length);
  }

  private Path largestFileEndingWith(String extension) throws IOException {
    try (Stream<Path> files = Files.list(index)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(extension))
          .max(Comparator.comparingLong(LuceneMediaErrorTest::size))
          .orElseThrow(() -> new AssertionError("no " + extension + " file in the index"));
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Every index file with lost bytes, by name: DaxFiles.badRanges over the directory. */
  private Map<String, List<FileRange>> badRangesOfTheIndex() throws IOException {
    Map<String, List<FileRange>> lost = new TreeMap<>();
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.toList()) {
        List<FileRange> ranges = DaxFiles.badRanges(f);
        if (!ranges.isEmpty()) {
          lost.put(f.getFileName().toString(), ranges);
        }
      }
    }
    return lost;
  }

  /**
   * Through NIOFSDirectory, Lucene wraps daxfs's {@link MediaErrorException} with the input's name
   * and keeps it as the cause. MMapDirectory does not: it turns any failed map() into a new
   * IOException with the original message and the original's own cause, so only daxfs's message
   * (EIO, the lost bytes, the repair) reaches the application.
   */
  private static void assertReportsTheMediaError(DirectoryKind kind, Throwable failure, Path file) {
    if (kind.maps()) {
      assertThat(failure)
          .as(trace(failure))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file + ": " + MediaErrorException.REASON + " (MMAP map at ");
    } else {
      assertThat(mediaErrorIn(failure))
          .as("the MediaErrorException behind %s", trace(failure))
          .isNotNull()
          .extracting(MediaErrorException::getFile)
          .isEqualTo(file.toString());
    }
  }

  private static MediaErrorException mediaErrorIn(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MediaErrorException m) {
        return m;
      }
      for (Throwable s : c.getSuppressed()) {
        MediaErrorException m = mediaErrorIn(s);
        if (m != null) {
          return m;
        }
      }
    }
    return null;
  }

  private static String trace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  private interface Body {
    void run() throws Exception;
  }

  /** Runs a test body so that any failure names the seed that placed the poison. */
  private static void withSeed(Body body) throws Exception {
    try {
      body.run();
    } catch (AssertionError | Exception e) {
      throw new AssertionError("with -Ddaxfs.lucene.seed=" + SEED + ": " + e.getMessage(), e);
    }
  }
}
