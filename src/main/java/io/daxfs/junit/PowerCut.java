package io.daxfs.junit;

import com.google.common.io.Closer;
import io.daxfs.DaxFileSystems;
import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Cuts the power of a test's daxfs filesystem: a parameter (or {@link DaxInject} field) of a test
 * run with {@link DaxTest}. A test that takes one gets a filesystem that tracks durability under
 * {@link DaxTest#powerFailModel()}.
 *
 * <pre>{@code
 * @DaxTest
 * class LogTest {
 *   @PowerFailTest(count = 100) // one run per seed; a failure names its seed
 *   void acknowledgedRecordsSurvive(Path dir, PowerCut power) throws IOException {
 *     Log log = Log.open(dir.resolve("log"));
 *     log.append("one");
 *     Path after = power.cut().getPath(dir.toString());
 *     assertThat(Log.open(after.resolve("log")).records()).containsExactly("one");
 *   }
 * }
 * }</pre>
 *
 * <p>The restarted filesystems are closed with the test's own. The test's other parameters and
 * fields keep naming the filesystem that lost power (whose paths then fail with {@link
 * java.nio.file.ClosedFileSystemException}); its {@link io.daxfs.PmemDevice} is the restarted
 * filesystem's too. Thread-safe.
 */
public final class PowerCut {
  private final PowerFailModel model;
  private final LongSupplier testSeed;
  private final List<FileSystem> restarted = new ArrayList<>(); // guarded by this
  private final List<Long> seeds = new ArrayList<>(); // guarded by this
  private FileSystem current; // guarded by this

  PowerCut(FileSystem fileSystem, PowerFailModel model, LongSupplier testSeed) {
    this.current = fileSystem;
    this.model = model;
    this.testSeed = testSeed;
  }

  /**
   * Cuts the power of the test's filesystem (after an earlier cut, of the filesystem it returned)
   * with the next of this test's {@linkplain #seed() seeds}, and returns the filesystem a restart
   * finds: see {@link DaxFileSystems#powerFail}.
   *
   * @throws IllegalStateException if the filesystem does not track durability (the test takes this
   *     {@code PowerCut} in a way the extension does not see: not as a parameter of the test, of a
   *     {@code @BeforeEach} or {@code @AfterEach} method, nor as a {@code @DaxInject} field)
   * @throws java.nio.file.ClosedFileSystemException if the test closed its filesystem
   */
  public synchronized FileSystem cut() throws IOException {
    return cut(seed());
  }

  /** As {@link #cut()}, with the seed given. */
  public synchronized FileSystem cut(long seed) throws IOException {
    FileSystem next = DaxFileSystems.powerFail(current, seed);
    seeds.add(seed);
    restarted.add(next);
    current = next;
    return next;
  }

  /**
   * The seed the next {@link #cut()} uses: the test's seed (given by {@link PowerFailTest}, else 0)
   * for the first cut, and for each later cut in the same test a seed drawn from it.
   */
  public synchronized long seed() {
    long seed = testSeed.getAsLong();
    return seeds.isEmpty() ? seed : mix(seed + seeds.size());
  }

  /** The power-fail model of the test's filesystem. */
  public PowerFailModel model() {
    return model;
  }

  /** The filesystem now: the test's, or the one the last cut returned. */
  synchronized FileSystem current() {
    return current;
  }

  /** What the cuts of this test were, for a failure's report; null when there was none. */
  synchronized @Nullable String report() {
    if (seeds.isEmpty()) {
      return null;
    }
    long first = testSeed.getAsLong();
    return "power cut under "
        + model
        + " with seed"
        + (seeds.size() == 1 ? " " : "s ")
        + seeds
        + "; replay with @PowerFailTest(seeds = "
        + first
        + ")";
  }

  /** Closes the restarted filesystems. */
  synchronized void close() throws IOException {
    Closer closer = Closer.create(); // closes them all, the first failure thrown, others suppressed
    restarted.forEach(closer::register);
    closer.close();
  }

  /** SplitMix64's finalizer: seeds for later cuts that differ from every test's first seed. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public synchronized String toString() {
    return "PowerCut[" + model + ", " + seeds.size() + " cuts]";
  }
}
