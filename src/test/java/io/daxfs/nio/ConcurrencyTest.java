package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads racing on one filesystem: data of one file from many threads, namespace changes against
 * listings, byte-range locks, and closing a channel under its users. Each test checks an invariant
 * that must hold on every interleaving (no torn or lost data, no foreign data, only the exceptions
 * the contract allows, nothing leaked), so a pass says nothing about timing and a failure is a bug.
 *
 * <p>Loops are bounded by iteration counts; the only time bound is {@link #DEADLOCK_BOUND_SECONDS},
 * far beyond any run, after which the test fails as a deadlock with the threads' stacks.
 */
class ConcurrencyTest {
  private static final long DEADLOCK_BOUND_SECONDS = 120;
  private static final int BLOCK = 4096;

  private FileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(64L << 20).build());
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  // ---- running threads -----------------------------------------------------------------------

  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  /**
   * Runs every task on its own thread, all released together by a barrier so that they really
   * overlap. Rethrows the first failure; fails as a deadlock if the tasks have not all ended within
   * the bound (daemon threads, so a hung one cannot keep the JVM alive).
   */
  private static void runConcurrently(List<? extends Callable<?>> tasks) throws Exception {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            tasks.size(),
            r -> {
              Thread t = new Thread(r, "concurrency-test-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    CyclicBarrier start = new CyclicBarrier(tasks.size());
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (Callable<?> task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.call();
                }));
      }
      pool.shutdown();
      if (!pool.awaitTermination(DEADLOCK_BOUND_SECONDS, TimeUnit.SECONDS)) {
        fail(
            "threads still running after " + DEADLOCK_BOUND_SECONDS + " s: deadlock?\n" + stacks());
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof Error err) {
            throw err;
          }
          throw new AssertionError("a thread failed: " + cause, cause);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String stacks() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (e.getKey().getName().startsWith("concurrency-test-")) {
        sb.append(e.getKey().getName()).append(' ').append(e.getKey().getState()).append('\n');
        for (StackTraceElement s : e.getValue()) {
          sb.append("    at ").append(s).append('\n');
        }
      }
    }
    return sb.toString();
  }

  // ---- I/O helpers ---------------------------------------------------------------------------

  /** Writes all of {@code data} at {@code pos}: a channel may legally write less per call. */
  private static void writeFully(FileChannel ch, ByteBuffer data, long pos) throws IOException {
    while (data.hasRemaining()) {
      pos += ch.write(data, pos);
    }
  }

  /** Reads until {@code dst} is full or the end of file; returns the bytes read. */
  private static int readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static ByteBuffer buffer(int size, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
  }

  private static byte[] bytes(ByteBuffer b, int from, int to) {
    byte[] out = new byte[to - from];
    b.get(from, out);
    return out;
  }

  private long freeSpace() throws IOException {
    return Files.getFileStore(fs.getPath("/")).getUnallocatedSpace();
  }

  // ---- data of one file ----------------------------------------------------------------------

  // ---- small files ---------------------------------------------------------------------------

  /**
   * Threads create small files in one directory, fill each with its own number, and delete them or
   * replace one by another (a rename onto a file frees the replaced file's blocks), keeping a few
   * alive for a while. Every file must read back only its own number (a block handed to two files
   * at once shows the other file's number), and once all are gone the free space is exactly what it
   * was.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void smallFileChurnNeverSharesABlockAndFreesEveryOne(int threads) throws Exception {
    long seed = 2100 + threads;
    Path dir = Files.createDirectory(fs.getPath("/churn"));
    long freeBefore = freeSpace();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      tasks.add(
          () -> {
            Random rnd = new Random(seed * 31 + thread);
            Map<Path, long[]> alive = new java.util.LinkedHashMap<>(); // {number, size}
            for (int i = 0; i < 2_000; i++) {
              long number = ((long) thread << 32) | i;
              // one block most often (the small-file cycle), else less or a few
              int size = 8 * (rnd.nextInt(3) > 0 ? BLOCK / 8 : 1 + rnd.nextInt(3 * BLOCK / 8));
              Path file = dir.resolve("t" + thread + "-" + i);
              try (FileChannel ch = FileChannel.open(file, CREATE_NEW, WRITE)) {
                writeFully(ch, filled(number, size), 0);
              }
              alive.put(file, new long[] {number, size});
              int keep = rnd.nextInt(4);
              while (alive.size() > keep) {
                Path oldest = alive.keySet().iterator().next();
                String where = "seed " + seed + ", thread " + thread + ", file " + i;
                checkFilled(oldest, alive.remove(oldest), where);
                if (!alive.isEmpty() && rnd.nextBoolean()) {
                  Path other = alive.keySet().iterator().next();
                  Files.move(other, oldest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                  alive.put(oldest, alive.remove(other));
                } else {
                  Files.delete(oldest);
                }
              }
            }
            for (Map.Entry<Path, long[]> e : alive.entrySet()) {
              checkFilled(e.getKey(), e.getValue(), "seed " + seed + ", thread " + thread);
              Files.delete(e.getKey());
            }
            return null;
          });
    }
    runConcurrently(tasks);
    try (DirectoryStream<Path> left = Files.newDirectoryStream(dir)) {
      assertThat(left).as("seed %d: files left", seed).isEmpty();
    }
    assertThat(freeSpace()).as("seed %d: free space after the churn", seed).isEqualTo(freeBefore);
  }

  private static ByteBuffer filled(long number, int size) {
    ByteBuffer b = ByteBuffer.allocate(size);
    while (b.hasRemaining()) {
      b.putLong(number);
    }
    return b.flip();
  }

  private static void checkFilled(Path file, long[] expected, String where) throws IOException {
    ByteBuffer got = ByteBuffer.allocate((int) expected[1] + 1);
    try (FileChannel ch = FileChannel.open(file, READ)) {
      assertThat(readFully(ch, got, 0)).as("%s: size", where).isEqualTo(expected[1]);
    }
    got.flip();
    while (got.hasRemaining()) {
      int at = got.position();
      long word = got.getLong();
      if (word != expected[0]) {
        fail(
            where
                + ": "
                + file
                + " holds "
                + Long.toHexString(word)
                + " at "
                + at
                + ", not its own number "
                + Long.toHexString(expected[0]));
      }
    }
  }

  /**
   * Each thread owns one region of a shared file (regions share blocks at their edges, since the
   * region size is not a block multiple) and must always read back exactly its own last writes: a
   * lost update or a neighbour's bytes in its region is a failure.
   */
  @Test
  void disjointRegionsNeverLoseOrMixUpdates() throws Exception {
    int threads = 8;
    int region = 3 * BLOCK + 1234;
    int ops = 600;
    Path file = fs.getPath("/disjoint");
    long[] highest = new long[threads];
    byte[][] shadows = new byte[threads][];
    try (FileChannel shared = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        tasks.add(
            () -> {
              Random rnd = new Random(1000 + id);
              long base = (long) id * region;
              byte[] shadow = new byte[region]; // what the region must hold: zeros until written
              shadows[id] = shadow;
              // Half the threads check through a channel of their own with relative reads, to mix
              // positional and relative paths and several channels of one file.
              try (FileChannel own = FileChannel.open(file, READ)) {
                for (int i = 1; i <= ops; i++) {
                  int off;
                  int len;
                  if (rnd.nextInt(3) == 0) {
                    // Across a block boundary inside the region.
                    long boundary = (base / BLOCK + 1 + rnd.nextInt(3)) * BLOCK;
                    int b = (int) (boundary - base);
                    off = Math.max(0, b - 1 - rnd.nextInt(600));
                    len = Math.min(region - off, (b - off) + 1 + rnd.nextInt(600));
                  } else {
                    off = rnd.nextInt(region);
                    len = 1 + rnd.nextInt(Math.min(region - off, 6000));
                  }
                  ByteBuffer src = buffer(len, rnd.nextBoolean());
                  for (int j = 0; j < len; j++) {
                    byte v = versionByte(id, i, off + j);
                    src.put(j, v);
                    shadow[off + j] = v;
                  }
                  writeFully(shared, src, base + off);
                  highest[id] = Math.max(highest[id], base + off + len);

                  ByteBuffer got = buffer(region, rnd.nextBoolean());
                  int n;
                  if (id % 2 == 0) {
                    n = readFully(shared, got, base);
                  } else {
                    own.position(base);
                    n = 0;
                    while (got.hasRemaining() && own.read(got) > 0) {
                      n = got.position();
                    }
                  }
                  // A short read is fine only past the end of file, where nothing of ours was
                  // written.
                  byte[] expected = Arrays.copyOf(shadow, n);
                  assertThat(bytes(got, 0, n))
                      .as("thread %d op %d: its region", id, i)
                      .isEqualTo(expected);
                  for (int j = n; j < region; j++) {
                    if (shadow[j] != 0) {
                      fail(
                          "thread "
                              + id
                              + " op "
                              + i
                              + ": a short read of "
                              + n
                              + " hid written byte "
                              + j);
                    }
                  }
                }
              }
              return null;
            });
      }
      runConcurrently(tasks);

      long size = Arrays.stream(highest).max().orElseThrow();
      assertThat(shared.size()).isEqualTo(size);
      for (int t = 0; t < threads; t++) {
        long base = (long) t * region;
        ByteBuffer got = ByteBuffer.allocate(region);
        int n = readFully(shared, got, base);
        byte[] expected =
            Arrays.copyOf(shadows[t], (int) Math.max(0, Math.min(region, size - base)));
        assertThat(bytes(got, 0, n)).as("region %d at the end", t).isEqualTo(expected);
      }
    }
  }

  /** A byte that differs between versions of one offset and between threads, and is never 0. */
  private static byte versionByte(int thread, int version, int offset) {
    int h = thread * 0x9E3779B1 + version * 0x85EBCA77 + offset * 0xC2B2AE3D;
    h ^= h >>> 15;
    byte b = (byte) h;
    return b == 0 ? 1 : b;
  }

  /**
   * Writers overwrite whole records (every 4-byte word of a record carries the writer's stamp) at
   * offsets that straddle block boundaries; readers must never see a record holding two stamps,
   * since a read is atomic with respect to each write. Records of 4 KiB are read under the file's
   * read lock, records of 256 B lock-free; writes of disjoint records run in parallel.
   */
  @ParameterizedTest(name = "records of {0} bytes")
  @ValueSource(ints = {4096, 512})
  void overlappingWholeRecordWritesAreNeverSeenTorn(int recordSize) throws Exception {
    int records = 12 * 4096 / recordSize;
    int offset = 1000; // every record crosses a block boundary
    int writers = 3;
    int readers = 3;
    int writesEach = 20_000;
    Path file = fs.getPath("/records");
    AtomicIntegerArray started =
        new AtomicIntegerArray(writers + 1); // highest seq begun, per writer
    CountDownLatch writersLeft = new CountDownLatch(writers);
    AtomicLong recordsChecked = new AtomicLong();
    try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
      writeFully(
          ch, recordOf(0, records, recordSize), offset); // stamp 0 everywhere: every read is full
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int w = 1; w <= writers; w++) {
        int writer = w;
        tasks.add(
            () -> {
              Random rnd = new Random(writer);
              try (FileChannel own = FileChannel.open(file, WRITE)) {
                FileChannel out = writer % 2 == 0 ? own : ch;
                for (int seq = 1; seq <= writesEach; seq++) {
                  int stamp = writer << 24 | seq;
                  int count =
                      1
                          + rnd.nextInt(
                              3); // of 512-byte records, one is read lock-free and two are written
                  // in place
                  int r = rnd.nextInt(records - count + 1);
                  started.set(writer, seq);
                  writeFully(
                      out, recordOf(stamp, count, recordSize), offset + (long) r * recordSize);
                }
              } finally {
                writersLeft.countDown();
              }
              return null;
            });
      }
      for (int i = 0; i < readers; i++) {
        int reader = i;
        tasks.add(
            () -> {
              Random rnd = new Random(100 + reader);
              for (int iter = 0; iter < 1_000_000 && writersLeft.getCount() > 0; iter++) {
                int count = 1 + rnd.nextInt(3);
                int r = rnd.nextInt(records - count + 1);
                ByteBuffer got = buffer(count * recordSize, rnd.nextBoolean());
                assertThat(readFully(ch, got, offset + (long) r * recordSize))
                    .isEqualTo(count * recordSize);
                for (int k = 0; k < count; k++) {
                  int first = got.getInt(k * recordSize);
                  for (int word = 1; word < recordSize / 4; word++) {
                    int s = got.getInt(k * recordSize + word * 4);
                    if (s != first) {
                      fail(
                          "record "
                              + (r + k)
                              + " torn: stamp "
                              + Integer.toHexString(first)
                              + " at word 0, "
                              + Integer.toHexString(s)
                              + " at word "
                              + word);
                    }
                  }
                  int writer = first >>> 24;
                  int seq = first & 0xFFFFFF;
                  assertThat(writer).as("writer of a stamp").isBetween(0, writers);
                  assertThat(seq)
                      .as("a stamp no writer began")
                      .isLessThanOrEqualTo(writer == 0 ? 0 : started.get(writer));
                  recordsChecked.incrementAndGet();
                }
              }
              return null;
            });
      }
      runConcurrently(tasks);
      assertThat(ch.size()).isEqualTo(offset + (long) records * recordSize);
    }
    assertThat(recordsChecked.get()).isPositive();
  }

  /** Bytes of a chunk: the unit that writes and reads in {@link #smallWritesAreAtomic} cover. */
  private static final int CHUNK = 16;

  /**
   * Writers overwrite windows of whole chunks at random chunk offsets, so that writes overlap each
   * other partly and at every alignment, across block boundaries; most are small (held by stripes),
   * some longer (held by a range), the mix the file must keep apart. Every 4-byte word of a write
   * carries its stamp, which names its window. Readers (lock-free and locked) check each snapshot:
   * a chunk holds one stamp, and two chunks never hold two different writes that both cover both
   * chunks, since one of the two came last over both. That holds for the file at any instant when
   * writes are atomic with respect to each other, and for every read when reads are atomic with
   * respect to writes; the file's final state is checked the same way.
   */
  @ParameterizedTest(name = "writes of up to {0} chunks")
  @ValueSource(ints = {4, 12, 32})
  void smallWritesAreAtomic(int maxChunks) throws Exception {
    long seed = 1400 + maxChunks;
    int chunks = 80;
    long base = BLOCK - 600; // chunks cross a block (and stripe) boundary, at no fixed alignment
    int writers = 3;
    int readers = 2;
    int writesEach = 15_000;
    Path file = fs.getPath("/chunks");
    CountDownLatch writersLeft = new CountDownLatch(writers);
    AtomicLong reads = new AtomicLong();
    try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
      writeFully(ch, ByteBuffer.allocate(chunks * CHUNK), base); // stamp 0: a write over all
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int w = 1; w <= writers; w++) {
        int writer = w;
        tasks.add(
            () -> {
              Random rnd = new Random(seed * 31 + writer);
              try (FileChannel own = FileChannel.open(file, WRITE)) {
                FileChannel out = writer % 2 == 0 ? own : ch;
                for (int seq = 1; seq <= writesEach; seq++) {
                  // One write in ten is longer than a small write: 33 to 63 chunks.
                  int len =
                      rnd.nextInt(10) == 0 ? 33 + rnd.nextInt(31) : 1 + rnd.nextInt(maxChunks);
                  int start = rnd.nextInt(chunks - len + 1);
                  int stamp = chunkStamp(writer, len, start, seq);
                  ByteBuffer src = buffer(len * CHUNK, rnd.nextBoolean());
                  while (src.hasRemaining()) {
                    src.putInt(stamp);
                  }
                  writeFully(out, src.flip(), base + (long) start * CHUNK);
                }
              } finally {
                writersLeft.countDown();
              }
              return null;
            });
      }
      for (int r = 0; r < readers; r++) {
        int reader = r;
        tasks.add(
            () -> {
              Random rnd = new Random(seed * 31 + 100 + reader);
              for (int iter = 0; iter < 2_000_000 && writersLeft.getCount() > 0; iter++) {
                // Up to 512 bytes lock-free, longer under the read lock.
                int len = rnd.nextInt(8) == 0 ? 33 + rnd.nextInt(chunks - 33) : 1 + rnd.nextInt(32);
                int start = rnd.nextInt(chunks - len + 1);
                ByteBuffer got = buffer(len * CHUNK, rnd.nextBoolean());
                assertThat(readFully(ch, got, base + (long) start * CHUNK)).isEqualTo(len * CHUNK);
                checkChunks(got, start, len, "seed " + seed + ", reader " + reader + " at " + iter);
                reads.incrementAndGet();
              }
              return null;
            });
      }
      runConcurrently(tasks);
      ByteBuffer all = ByteBuffer.allocate(chunks * CHUNK);
      assertThat(readFully(ch, all, base)).isEqualTo(chunks * CHUNK);
      checkChunks(all, 0, chunks, "seed " + seed + ", the file at the end");
    }
    assertThat(reads.get()).isPositive();
  }

  /**
   * As {@link #smallWritesAreAtomic}, with writes of 512 B to 31.5 KiB over 288 KiB of a file: most
   * hold the stripes of their bytes (up to five of them, across block boundaries, past the last
   * stripe back to the first, and in stripes that a distant part of the window shares), one in
   * eight holds a range in the table instead. Lock-free readers read one chunk (crossing a stripe
   * boundary in one chunk of eight), locked readers many.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1501, 1502})
  void writesAcrossStripesAreAtomic(long seed) throws Exception {
    int chunk = 512; // the longest lock-free read
    // More than the 64 stripes' 256 KiB (InPlaceWrites.STRIPE_COUNT * STRIPE_BYTES): the window
    // wraps around them, so writes far apart share stripes.
    int chunks = 576;
    long base = 3 * BLOCK - 300; // neither chunks nor writes start on a stripe boundary
    int writers = 3;
    int readers = 2;
    int writesEach = 20_000;
    Path file = fs.getPath("/stripes");
    CountDownLatch writersLeft = new CountDownLatch(writers);
    AtomicLong reads = new AtomicLong();
    try (FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE)) {
      writeFully(ch, ByteBuffer.allocate(chunks * chunk), base); // stamp 0: a write over all
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int w = 1; w <= writers; w++) {
        int writer = w;
        tasks.add(
            () -> {
              Random rnd = new Random(seed * 31 + writer);
              // Filled in bulk, so that the writers spend their time in the copies that may race.
              int[] words = new int[63 * chunk / 4];
              ByteBuffer[] srcs = {buffer(63 * chunk, false), buffer(63 * chunk, true)};
              try (FileChannel own = FileChannel.open(file, WRITE)) {
                FileChannel out = writer % 2 == 0 ? own : ch;
                for (int seq = 1; seq <= writesEach; seq++) {
                  // Up to 16 KiB hold stripes; one in eight is longer and holds a range.
                  int len = rnd.nextInt(8) == 0 ? 33 + rnd.nextInt(31) : 1 + rnd.nextInt(32);
                  int start = rnd.nextInt(chunks - len + 1);
                  Arrays.fill(words, 0, len * chunk / 4, chunkStamp(writer, len, start, seq));
                  ByteBuffer src = srcs[rnd.nextInt(2)].clear().limit(len * chunk);
                  src.asIntBuffer().put(words, 0, len * chunk / 4);
                  writeFully(out, src, base + (long) start * chunk);
                }
              } finally {
                writersLeft.countDown();
              }
              return null;
            });
      }
      for (int r = 0; r < readers; r++) {
        int reader = r;
        tasks.add(
            () -> {
              Random rnd = new Random(seed * 31 + 100 + reader);
              for (int iter = 0; iter < 1_000_000 && writersLeft.getCount() > 0; iter++) {
                int len = rnd.nextBoolean() ? 1 : 2 + rnd.nextInt(chunks - 1);
                int start = rnd.nextInt(chunks - len + 1);
                ByteBuffer got = buffer(len * chunk, rnd.nextBoolean());
                assertThat(readFully(ch, got, base + (long) start * chunk)).isEqualTo(len * chunk);
                checkChunks(
                    got, chunk, start, len, "seed " + seed + ", reader " + reader + " at " + iter);
                reads.incrementAndGet();
              }
              return null;
            });
      }
      runConcurrently(tasks);
      ByteBuffer all = ByteBuffer.allocate(chunks * chunk);
      assertThat(readFully(ch, all, base)).isEqualTo(chunks * chunk);
      checkChunks(all, chunk, 0, chunks, "seed " + seed + ", the file at the end");
    }
    assertThat(reads.get()).isPositive();
  }

  /** A write's stamp: its writer, its window (length and first chunk), and a sequence number. */
  private static int chunkStamp(int writer, int len, int start, int seq) {
    return writer << 29 | len << 23 | start << 13 | (seq & 0x1FFF);
  }

  /** Whether the write with {@code stamp} covered {@code chunk}; stamp 0 covered every chunk. */
  private static boolean covers(int stamp, int chunk) {
    if (stamp == 0) {
      return true;
    }
    int len = stamp >>> 23 & 0x3F;
    int start = stamp >>> 13 & 0x3FF;
    return start <= chunk && chunk < start + len;
  }

  private static void checkChunks(ByteBuffer got, int first, int count, String where) {
    checkChunks(got, CHUNK, first, count, where);
  }

  private static void checkChunks(ByteBuffer got, int chunk, int first, int count, String where) {
    int[] stamps = new int[count];
    for (int c = 0; c < count; c++) {
      stamps[c] = got.getInt(c * chunk);
      for (int word = 1; word < chunk / 4; word++) {
        int s = got.getInt(c * chunk + word * 4);
        if (s != stamps[c]) {
          fail(
              where
                  + ": chunk "
                  + (first + c)
                  + " torn: "
                  + Integer.toHexString(stamps[c])
                  + " and "
                  + Integer.toHexString(s));
        }
      }
    }
    for (int i = 0; i < count; i++) {
      for (int j = i + 1; j < count; j++) {
        int x = stamps[i];
        int y = stamps[j];
        if (x != y
            && covers(x, first + i)
            && covers(x, first + j)
            && covers(y, first + i)
            && covers(y, first + j)) {
          fail(
              where
                  + ": writes "
                  + Integer.toHexString(x)
                  + " and "
                  + Integer.toHexString(y)
                  + " both cover chunks "
                  + (first + i)
                  + " and "
                  + (first + j)
                  + ", and each holds one of them: one of the two was torn");
        }
      }
    }
  }

  private static ByteBuffer recordOf(int stamp, int count, int recordSize) {
    ByteBuffer b = ByteBuffer.allocate(count * recordSize);
    while (b.hasRemaining()) {
      b.putInt(stamp);
    }
    return b.flip();
  }

  private static final byte MARKER = (byte) 0xEE;
  private static final byte SENTINEL = 0x55;

  /**
   * One thread truncates and regrows file A while another fills file B with a marker and empties it
   * again, so blocks keep moving between the two. A reader of A may see any version of A, zeros, a
   * short count or -1, but never B's marker, and no exception.
   */
  @Test
  void readersDuringTruncateAndRegrowNeverSeeAnotherFilesData() throws Exception {
    int maxSize = 12 * BLOCK;
    Path a = fs.getPath("/a");
    Path b = fs.getPath("/b");
    CountDownLatch shapersLeft = new CountDownLatch(2);
    AtomicLong bytesChecked = new AtomicLong();
    try (FileChannel chA = FileChannel.open(a, CREATE_NEW, READ, WRITE);
        FileChannel chB = FileChannel.open(b, CREATE_NEW, READ, WRITE)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      tasks.add(
          () -> {
            try {
              Random rnd = new Random(1);
              for (int v = 1; v <= 3000; v++) {
                chA.truncate(rnd.nextInt(3) == 0 ? rnd.nextInt(maxSize) : 0);
                int len = 1 + rnd.nextInt(maxSize);
                ByteBuffer src = ByteBuffer.allocate(len);
                for (int j = 0; j < len; j++) {
                  src.put(
                      j, (byte) (1 + (v + j) % 0x3F)); // 1..0x3F: never the marker nor the sentinel
                }
                writeFully(chA, src, rnd.nextInt(BLOCK));
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      tasks.add(
          () -> {
            try {
              Random rnd = new Random(2);
              for (int v = 1; v <= 3000; v++) {
                ByteBuffer src = ByteBuffer.allocate(1 + rnd.nextInt(maxSize));
                while (src.hasRemaining()) {
                  src.put(MARKER);
                }
                writeFully(chB, src.flip(), 0);
                chB.truncate(0); // its blocks go back to the allocator, for A to take
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      for (int i = 0; i < 2; i++) {
        int reader = i;
        tasks.add(
            () -> {
              Random rnd = new Random(10 + reader);
              for (int iter = 0; iter < 1_000_000 && shapersLeft.getCount() > 0; iter++) {
                int len = 1 + rnd.nextInt(4 * BLOCK);
                long pos = rnd.nextInt(maxSize + BLOCK);
                ByteBuffer dst = buffer(len, rnd.nextBoolean());
                int n = chA.read(dst, pos);
                assertThat(n).as("read count").isBetween(-1, len);
                assertThat(n).as("a read with room never returns 0").isNotZero();
                for (int j = 0; j < Math.max(n, 0); j++) {
                  byte x = dst.get(j);
                  if (x == MARKER) {
                    fail("read of A at " + pos + " returned B's marker at byte " + j + " of " + n);
                  }
                  if (x < 0 || x > 0x3F) {
                    fail(
                        "read of A at "
                            + pos
                            + " returned "
                            + x
                            + " at byte "
                            + j
                            + ": no version of A has it");
                  }
                }
                bytesChecked.addAndGet(Math.max(n, 0));
              }
              return null;
            });
      }
      runConcurrently(tasks);
    }
    assertThat(bytesChecked.get()).isPositive();
  }

  /**
   * Writers overwrite bytes inside file A (in-place writes, which hold only their byte range) while
   * A is truncated and regrown, so its blocks keep going back to the allocator; file B takes them,
   * fills them with its own byte and checks them. A write that began before a truncation must never
   * land in blocks that B got since.
   *
   * <p>A's second half is written first, so it sits at the device's start, where B's blocks come
   * from; a long write across A's middle reaches those blocks late, when B may hold them already.
   */
  @Test
  void inPlaceWritesRacingTruncationNeverLandInAnotherFile() throws Exception {
    int half = 2 << 20;
    int bSize = 16 * BLOCK;
    Path a = fs.getPath("/a");
    Path b = fs.getPath("/b");
    CountDownLatch shapersLeft = new CountDownLatch(2);
    ConcurrentLinkedQueue<String> strays = new ConcurrentLinkedQueue<>();
    AtomicLong bChecks = new AtomicLong();
    try (FileChannel chA = FileChannel.open(a, CREATE_NEW, READ, WRITE);
        FileChannel chB = FileChannel.open(b, CREATE_NEW, READ, WRITE)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      tasks.add(
          () -> {
            try {
              ByteBuffer fill = ByteBuffer.allocate(half);
              for (int v = 0; v < 300 && strays.isEmpty(); v++) {
                writeFully(chA, fill.clear(), half);
                writeFully(chA, fill.clear(), 0);
                LockSupport.parkNanos(100_000); // the writers write in place now
                chA.truncate(0);
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      tasks.add(
          () -> {
            try {
              ByteBuffer fill = ByteBuffer.allocate(bSize);
              while (fill.hasRemaining()) {
                fill.put((byte) 0x22);
              }
              ByteBuffer got = ByteBuffer.allocate(bSize);
              for (int v = 0; v < 3000 && strays.isEmpty(); v++) {
                writeFully(chB, fill.clear(), 0);
                for (int check = 0; check < 3; check++) {
                  got.clear();
                  int n = readFully(chB, got, 0);
                  for (int j = 0; j < n; j++) {
                    if (got.get(j) != 0x22) {
                      strays.add(
                          "B's byte "
                              + j
                              + " is "
                              + got.get(j)
                              + (got.get(j) == MARKER ? ", A's writers' marker" : ""));
                      break;
                    }
                  }
                  bChecks.incrementAndGet();
                  LockSupport.parkNanos(20_000);
                }
                chB.truncate(0);
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      for (int w = 0; w < 2; w++) {
        int writer = w;
        tasks.add(
            () -> {
              Random rnd = new Random(20 + writer);
              ByteBuffer src = ByteBuffer.allocate(half + bSize);
              while (src.hasRemaining()) {
                src.put(MARKER);
              }
              while (shapersLeft.getCount() > 0) {
                if (writer == 0) {
                  chA.write(src.clear().limit(1 + rnd.nextInt(1024)), rnd.nextInt(2 * half - 1024));
                } else {
                  int before =
                      1 + rnd.nextInt(half); // how much it copies before it reaches A's second half
                  chA.write(src.clear().limit(before + bSize), half - before);
                }
              }
              return null;
            });
      }
      runConcurrently(tasks);
    }
    assertThat(strays).as("bytes of B that A's writers changed").isEmpty();
    assertThat(bChecks.get()).isPositive();
  }

  /**
   * A read of n bytes must leave the buffer alone past those n bytes, as pread(2) does. Under
   * truncation a lock-free read attempt that is retried must not leave behind what it copied: those
   * bytes are stale data of the file or, when its blocks were reused meanwhile, another file's
   * (here, B's marker).
   */
  @ParameterizedTest(name = "reads of {0} bytes")
  @ValueSource(ints = {300, 12 * BLOCK}) // lock-free first, and locked
  void retriedReadsLeaveNothingBeyondTheCountInTheBuffer(int readSize) throws Exception {
    int maxSize = 12 * BLOCK;
    Path a = fs.getPath("/a");
    Path b = fs.getPath("/b");
    CountDownLatch shapersLeft = new CountDownLatch(2);
    ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
    try (FileChannel chA = FileChannel.open(a, CREATE_NEW, READ, WRITE);
        FileChannel chB = FileChannel.open(b, CREATE_NEW, READ, WRITE)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      tasks.add(
          () -> {
            try {
              ByteBuffer src = ByteBuffer.allocate(maxSize);
              while (src.hasRemaining()) {
                src.put((byte) 0x11);
              }
              for (int v = 1; v <= 60000; v++) {
                // Shrinking while a read copies makes the read retry, and the retry return less.
                chA.truncate(v % 2 == 0 ? 0 : 1);
                writeFully(chA, src.clear(), 0);
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      tasks.add(
          () -> {
            try {
              ByteBuffer src = ByteBuffer.allocate(maxSize);
              while (src.hasRemaining()) {
                src.put(MARKER);
              }
              for (int v = 1; v <= 60000; v++) {
                writeFully(chB, src.clear(), 0);
                chB.truncate(0);
              }
            } finally {
              shapersLeft.countDown();
            }
            return null;
          });
      tasks.add(
          () -> {
            ByteBuffer dst = ByteBuffer.allocate(readSize);
            for (int iter = 0;
                iter < 1_000_000 && shapersLeft.getCount() > 0 && leaks.size() < 10;
                iter++) {
              Arrays.fill(dst.array(), SENTINEL);
              int count = chA.read(dst.clear(), 0);
              for (int j = Math.max(count, 0); j < readSize; j++) {
                if (dst.get(j) != SENTINEL) {
                  leaks.add(
                      "read returned "
                          + count
                          + " but changed byte "
                          + j
                          + " to "
                          + dst.get(j)
                          + (dst.get(j) == MARKER ? " (B's marker)" : ""));
                  break;
                }
              }
            }
            return null;
          });
      runConcurrently(tasks);
    }
    assertThat(leaks).as("buffer bytes beyond the returned count").isEmpty();
  }

  /**
   * Appenders on several APPEND channels (two threads sharing one): every record lands whole at the
   * end, none is lost or interleaved with another, and each thread's records keep its order.
   */
  @Test
  void appendersNeverInterleaveRecords() throws Exception {
    int threads = 4;
    int recordsEach = 1000;
    int recordSize = 1000; // not a block divisor: records straddle block boundaries
    Path file = fs.getPath("/log");
    Files.createFile(file);
    try (FileChannel shared = FileChannel.open(file, APPEND)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        tasks.add(
            () -> {
              try (FileChannel own = FileChannel.open(file, APPEND)) {
                FileChannel ch = id < 2 ? shared : own;
                for (int seq = 0; seq < recordsEach; seq++) {
                  ByteBuffer rec = appendRecord(id, seq, recordSize);
                  // A positional write on an APPEND channel appends too (Linux pwrite with
                  // O_APPEND).
                  int n = id == 3 ? ch.write(rec, 0) : ch.write(rec);
                  assertThat(n).as("a file write is complete").isEqualTo(recordSize);
                }
              }
              return null;
            });
      }
      runConcurrently(tasks);
    }
    checkAppendLog(file, threads, recordsEach, recordSize);
  }

  /**
   * A gathering write on an APPEND channel is one write, as writev(2) is on Linux: its buffers land
   * together at the end, never split by another channel's append.
   */
  @Test
  void gatheringAppendsAreAtomic() throws Exception {
    int threads = 3;
    int recordsEach = 300;
    int recordSize = 1000;
    Path file = fs.getPath("/log");
    Files.createFile(file);
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      tasks.add(
          () -> {
            try (FileChannel ch = FileChannel.open(file, APPEND)) {
              for (int seq = 0; seq < recordsEach; seq++) {
                ByteBuffer rec = appendRecord(id, seq, recordSize);
                ByteBuffer[] parts = {
                  rec.slice(0, 8), rec.slice(8, 500), rec.slice(508, recordSize - 508)
                };
                long n = 0;
                while (n < recordSize) {
                  n += ch.write(parts);
                }
              }
            }
            return null;
          });
    }
    runConcurrently(tasks);
    checkAppendLog(file, threads, recordsEach, recordSize);
  }

  private static ByteBuffer appendRecord(int thread, int seq, int size) {
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(thread).putInt(seq);
    while (b.hasRemaining()) {
      b.put(fill(thread, seq, b.position()));
    }
    return b.flip();
  }

  private static byte fill(int thread, int seq, int index) {
    return (byte) (thread * 61 + seq * 7 + index);
  }

  private static void checkAppendLog(Path file, int threads, int recordsEach, int recordSize)
      throws IOException {
    byte[] log = Files.readAllBytes(file);
    assertThat(log.length)
        .as("size: the sum of all appends")
        .isEqualTo(threads * recordsEach * recordSize);
    int[] nextSeq = new int[threads];
    ByteBuffer b = ByteBuffer.wrap(log);
    for (int at = 0; at < log.length; at += recordSize) {
      int thread = b.getInt(at);
      int seq = b.getInt(at + 4);
      assertThat(thread).as("thread of the record at %d", at).isBetween(0, threads - 1);
      assertThat(seq)
          .as("thread %d's records in order, none lost or doubled (record at %d)", thread, at)
          .isEqualTo(nextSeq[thread]);
      nextSeq[thread]++;
      for (int j = 8; j < recordSize; j++) {
        if (log[at + j] != fill(thread, seq, j)) {
          fail(
              "record at "
                  + at
                  + " (thread "
                  + thread
                  + ", seq "
                  + seq
                  + ") interleaved at byte "
                  + j);
        }
      }
    }
  }

  // ---- namespace
  // ---------------------------------------------------------------------------------

  /**
   * Workers create, write, read, rename and delete their own files and directories in shared
   * directories while observers list, walk and stat, and two "churners" fight over one directory.
   *
   * <p>A worker owns its names, so any exception in a worker is a bug. An observer works from a
   * listing that can be stale by the time it uses it, so it may get {@link NoSuchFileException}
   * (directly, or wrapped in {@link UncheckedIOException} by {@code Files.walk}) and nothing else:
   * names are never reused with another type, so "Not a directory" cannot happen. Churners may get
   * exactly the errors their race allows, listed where they are caught.
   */
  @Test
  void namespaceChurnAgainstListingsWalksAndStats() throws Exception {
    Path root = fs.getPath("/");
    List<Path> shared = List.of(fs.getPath("/s0"), fs.getPath("/s1"), fs.getPath("/s1/s2"));
    for (Path d : shared) {
      Files.createDirectories(d);
    }
    long freeBefore = freeSpace();
    int workers = 4;
    int iterations = 150;
    CountDownLatch workersLeft = new CountDownLatch(workers + 2);
    AtomicLong observed = new AtomicLong();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int id = w;
      tasks.add(
          () -> {
            try {
              Random rnd = new Random(id);
              for (int i = 0; i < iterations; i++) {
                Path dir = shared.get(i % shared.size());
                Path other = shared.get((i + 1 + id) % shared.size());
                byte[] data = new byte[rnd.nextInt(3 * BLOCK)];
                rnd.nextBytes(data);
                Path f = dir.resolve("w" + id + "-" + i);
                Files.write(f, data, CREATE_NEW, WRITE);
                assertThat(Files.readAllBytes(f)).isEqualTo(data);
                Path moved = other.resolve("w" + id + "-" + i + "-moved");
                Files.move(f, moved);
                assertThat(Files.size(moved)).isEqualTo(data.length);
                assertThat(Files.exists(f, LinkOption.NOFOLLOW_LINKS)).isFalse();

                // A private directory with a file, moved between shared directories with its
                // content.
                Path sub = dir.resolve("w" + id + "-sub-" + i);
                Files.createDirectory(sub);
                Files.write(sub.resolve("inner"), data);
                Path subMoved = other.resolve("w" + id + "-sub-" + i + "-moved");
                Files.move(sub, subMoved);
                assertThat(Files.readAllBytes(subMoved.resolve("inner"))).isEqualTo(data);

                // Unlinked while open: the channel keeps working; blocks go back on close.
                try (FileChannel ch = FileChannel.open(subMoved.resolve("inner"), READ, WRITE)) {
                  Files.delete(subMoved.resolve("inner"));
                  Files.delete(subMoved);
                  writeFully(ch, ByteBuffer.wrap(data), data.length);
                  ByteBuffer back = ByteBuffer.allocate(data.length);
                  assertThat(readFully(ch, back, data.length)).isEqualTo(data.length);
                  assertThat(back.array()).isEqualTo(data);
                }
                Files.delete(moved);
              }
            } finally {
              workersLeft.countDown();
            }
            return null;
          });
    }
    for (int c = 0; c < 2; c++) {
      int id = c;
      tasks.add(
          () -> {
            try {
              Path churn = fs.getPath("/churn");
              for (int i = 0; i < 500; i++) {
                try {
                  Files.createDirectory(churn);
                } catch (FileAlreadyExistsException e) {
                  // the other churner made it first
                }
                Path mine = churn.resolve("c" + id);
                boolean created = false;
                try {
                  Files.createFile(mine);
                  created = true;
                } catch (NoSuchFileException e) {
                  // the other churner removed /churn since we made or saw it
                }
                if (created) {
                  Files.delete(
                      mine); // only we remove our file, and /churn cannot go while it holds it
                }
                try {
                  Files.delete(churn);
                } catch (DirectoryNotEmptyException e) {
                  // the other churner's file is in it
                } catch (NoSuchFileException e) {
                  // the other churner removed it first
                }
              }
            } finally {
              workersLeft.countDown();
            }
            return null;
          });
    }
    for (int o = 0; o < 2; o++) {
      int id = o;
      tasks.add(
          () -> {
            for (int iter = 0; iter < 100_000 && workersLeft.getCount() > 0; iter++) {
              if (id == 0) {
                for (Path d : shared) {
                  try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                    for (Path p : ds) {
                      try {
                        BasicFileAttributes attrs =
                            Files.readAttributes(
                                p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        assertThat(attrs.isDirectory() || attrs.isRegularFile()).isTrue();
                        observed.incrementAndGet();
                      } catch (NoSuchFileException e) {
                        // renamed or deleted since the listing
                      }
                    }
                  }
                }
              } else {
                try (Stream<Path> walk = Files.walk(root)) {
                  observed.addAndGet(walk.count());
                } catch (UncheckedIOException e) {
                  if (!(e.getCause() instanceof NoSuchFileException)) {
                    throw e;
                  }
                  // an entry or directory vanished between being listed and being visited
                }
              }
            }
            return null;
          });
    }
    runConcurrently(tasks);

    assertThat(observed.get()).isPositive();
    Files.deleteIfExists(fs.getPath("/churn"));
    try (Stream<Path> walk = Files.walk(root)) {
      assertThat(walk).containsExactlyInAnyOrder(root, shared.get(0), shared.get(1), shared.get(2));
    }
    assertThat(freeSpace()).as("free space once every file is gone").isEqualTo(freeBefore);
  }

  // ---- locks -----------------------------------------------------------------------------------

  /**
   * Threads race for byte-range locks on overlapping ranges (some through one shared channel):
   * per-byte holder counters prove that no two overlapping locks are ever held at once; losers get
   * {@link OverlappingFileLockException} and nothing else.
   */
  @Test
  void overlappingLocksHaveOneHolderAtATime() throws Exception {
    int range = 64;
    int threads = 4;
    int tries = 10_000;
    Path file = fs.getPath("/locked");
    Files.write(file, new byte[range]);
    AtomicIntegerArray holders = new AtomicIntegerArray(range);
    AtomicLong won = new AtomicLong();
    AtomicLong lost = new AtomicLong();
    try (FileChannel shared = FileChannel.open(file, READ, WRITE)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        tasks.add(
            () -> {
              Random rnd = new Random(id);
              try (FileChannel own = FileChannel.open(file, READ, WRITE)) {
                FileChannel ch = id < 2 ? shared : own;
                for (int i = 0; i < tries; i++) {
                  int pos = rnd.nextInt(range - 8);
                  int size = 1 + rnd.nextInt(8);
                  boolean sharedLock = rnd.nextBoolean();
                  FileLock lock;
                  try {
                    // lock() never waits on a lock held in this JVM: it refuses, as tryLock does.
                    lock =
                        rnd.nextBoolean()
                            ? ch.tryLock(pos, size, sharedLock)
                            : ch.lock(pos, size, sharedLock);
                  } catch (OverlappingFileLockException e) {
                    lost.incrementAndGet();
                    continue;
                  }
                  assertThat(lock)
                      .as("tryLock returns null only for another program's lock")
                      .isNotNull();
                  try {
                    for (int b = pos; b < pos + size; b++) {
                      int h = holders.incrementAndGet(b);
                      if (h != 1) {
                        fail("byte " + b + " has " + h + " lock holders (" + lock + ")");
                      }
                    }
                    Thread.yield(); // hold it a little, so that others try while it is held
                  } finally {
                    for (int b = pos; b < pos + size; b++) {
                      holders.decrementAndGet(b);
                    }
                    lock.release();
                  }
                  won.incrementAndGet();
                }
              }
              return null;
            });
      }
      runConcurrently(tasks);
      assertThat(won.get() + lost.get()).isEqualTo((long) threads * tries);
      assertThat(won.get()).isPositive();
      // Every lock was released: the whole file can be locked again.
      try (FileLock all = shared.tryLock()) {
        assertThat(all).isNotNull();
      }
    }
  }

  // ---- closing under use -----------------------------------------------------------------------

  /**
   * Threads use one channel while another closes it. Every operation either succeeds or throws
   * {@link ClosedChannelException} (or its {@code AsynchronousCloseException} subclass); the only
   * other exception is {@link OverlappingFileLockException} from two threads locking the same
   * range. Every operation begun after {@code close()} returned must throw.
   */
  @Test
  void closingAChannelUnderItsUsers() throws Exception {
    closeUnderUsers(false);
  }

  /**
   * The same race on an unlinked file: once the last channel is closed and every operation is over,
   * all its blocks must be free. A write that passed the open check before the close but allocates
   * after the close freed the blocks leaves blocks that nobody can ever free.
   */
  @Test
  void racingTheLastCloseOfAnUnlinkedFileLeaksNoBlocks() throws Exception {
    closeUnderUsers(true);
  }

  private void closeUnderUsers(boolean unlinked) throws Exception {
    int threads = 4;
    long freeBefore = freeSpace();
    for (int round = 0; round < 30; round++) {
      Path file = fs.getPath("/closing-" + round);
      FileChannel ch = FileChannel.open(file, CREATE_NEW, READ, WRITE);
      writeFully(ch, ByteBuffer.allocate(16 * BLOCK), 0);
      if (unlinked) {
        Files.delete(file);
      }
      AtomicBoolean closeReturned = new AtomicBoolean();
      CountDownLatch warmedUp = new CountDownLatch(threads);
      List<Callable<Void>> tasks = new ArrayList<>();
      int r = round;
      for (int t = 0; t < threads; t++) {
        int id = t;
        tasks.add(
            () -> {
              Random rnd = new Random(r * 100 + id);
              WritableByteChannel sink = Channels.newChannel(OutputStream.nullOutputStream());
              int afterClose = 0;
              for (int i = 0; i < 20_000 && afterClose < 50; i++) {
                if (i == 20) {
                  warmedUp.countDown();
                }
                boolean begunAfterClose = closeReturned.get();
                int op = rnd.nextInt(10);
                try {
                  channelOp(ch, op, rnd, sink);
                  if (begunAfterClose) {
                    fail("operation " + op + " begun after close() returned succeeded");
                  }
                } catch (ClosedChannelException e) {
                  // closed under us, or before we began
                } catch (OverlappingFileLockException e) {
                  assertThat(op).as("only locking can conflict").isEqualTo(9);
                }
                if (begunAfterClose) {
                  afterClose++;
                }
              }
              return null;
            });
      }
      tasks.add(
          () -> {
            warmedUp.await();
            ch.close();
            closeReturned.set(true);
            return null;
          });
      runConcurrently(tasks);
      assertThat(ch.isOpen()).isFalse();
      if (unlinked) {
        assertThat(freeSpace())
            .as("round %d: free space after the last close of an unlinked file", round)
            .isEqualTo(freeBefore);
      }
    }
  }

  private static void channelOp(FileChannel ch, int op, Random rnd, WritableByteChannel sink)
      throws IOException {
    long pos = rnd.nextInt(16 * BLOCK);
    ByteBuffer buf = ByteBuffer.allocate(1 + rnd.nextInt(2 * BLOCK));
    switch (op) {
      case 0 -> ch.read(buf, pos);
      case 1 -> ch.write(buf, pos);
      case 2 -> ch.read(buf);
      case 3 -> ch.write(buf);
      case 4 -> ch.position(pos);
      case 5 -> ch.size();
      case 6 -> ch.truncate(8 * BLOCK + pos);
      case 7 -> ch.transferTo(pos, buf.capacity(), sink);
      case 8 ->
          ch.transferFrom(
              Channels.newChannel(new java.io.ByteArrayInputStream(new byte[100])), pos, 100);
      case 9 -> {
        FileLock l = ch.tryLock(pos, 10, false);
        try {
          ch.force(false);
        } finally {
          l.release();
        }
      }
      default -> throw new AssertionError(op);
    }
  }
}
