package io.daxfs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.Range;
import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The badblocks list as a program (or ndctl/sysfs) sees it: injection, latent poison and scrub,
 * uninjection, the sysfs text, seeded random injection and the new-badblocks listener.
 */
class BadblocksTest {
  private static final int DEVICE_SIZE = 16 << 20;
  private static final long SECTORS = DEVICE_SIZE / 512;
  private static final int SECTOR = 512;

  private EmulatedPmem dev;

  @BeforeEach
  void setUp() throws IOException {
    dev = EmulatedPmem.create(DaxConfiguration.builder().deviceSize(DEVICE_SIZE).build());
  }

  @AfterEach
  void tearDown() throws IOException {
    dev.close();
  }

  private static List<BadBlock> bb(long... startCountPairs) {
    List<BadBlock> out = new ArrayList<>();
    for (int i = 0; i < startCountPairs.length; i += 2) {
      out.add(new BadBlock(startCountPairs[i], startCountPairs[i + 1]));
    }
    return out;
  }

  /** A DAX read of whole sectors; returns the fault, or null when the read succeeded. */
  private MediaFault daxReadSectors(long sector, int count) {
    ByteBuffer dst = ByteBuffer.allocate(count * SECTOR);
    try {
      dev.read(AccessPath.DAX, sector * SECTOR, dst, 0, count * SECTOR);
      return null;
    } catch (MediaFault f) {
      return f;
    }
  }

  private void directWriteSectors(long sector, int count) throws Exception {
    dev.write(
        AccessPath.DIRECT, sector * SECTOR, ByteBuffer.allocate(count * SECTOR), 0, count * SECTOR);
  }

  // ---- injection: merged, sorted, validated
  // -------------------------------------------------------

  @Test
  void injectedRangesAreListedSortedAndMerged() throws Exception {
    dev.injectError(100, 1);
    dev.injectError(5, 2);
    dev.injectError(7, 3); // adjacent to 5+2: one run
    dev.injectError(200, 10);
    dev.injectError(203, 20); // overlapping 200+10
    dev.injectError(6, 1); // inside an existing run: nothing changes

    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(5, 5, 100, 1, 200, 23));
  }

  @Test
  void firstAndLastSectorOfTheDeviceCanBeInjected() throws Exception {
    dev.injectError(0, 1);
    dev.injectError(SECTORS - 1, 1);

    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(0, 1, SECTORS - 1, 1));
  }

  @Test
  void rangesOutsideTheDeviceAreRejectedNamingItsSize() throws Exception {
    // Each of these is a mistake in a test's arithmetic; the message must let the author see why.
    List<ThrowingRunnable> bad =
        List.of(
            () -> dev.injectError(SECTORS, 1),
            () -> dev.injectError(SECTORS - 1, 2),
            () -> dev.injectError(0, SECTORS + 1),
            () -> dev.injectError(1, Long.MAX_VALUE), // must not overflow into "inside"
            () -> dev.injectError(-1, 1),
            () -> dev.injectError(Long.MIN_VALUE, 1),
            () -> dev.injectError(10, 0),
            () -> dev.injectError(10, -1),
            () -> dev.injectLatentError(SECTORS, 1),
            () -> dev.injectLatentError(-1, 1),
            () -> dev.injectLatentError(0, 0),
            () -> dev.uninjectError(SECTORS, 1),
            () -> dev.uninjectError(-5, 1),
            () -> dev.uninjectError(0, -3));
    for (ThrowingRunnable r : bad) {
      assertThatThrownBy(r::run)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Long.toString(DEVICE_SIZE));
    }
    // A rejected call changes nothing.
    assertThat(dev.badblocks()).isEmpty();
    assertThat(dev.scrub()).isEmpty();
  }

  @Test
  void rangesAreCheckedThroughThePublicDeviceOfAFilesystemToo() throws IOException {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(DEVICE_SIZE).build())) {
      PmemDevice device = DaxFileSystems.device(fs);
      assertThat(device.sectorCount()).isEqualTo(SECTORS);
      assertThatThrownBy(() -> device.injectError(device.sectorCount(), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Long.toString(DEVICE_SIZE));
      assertThatThrownBy(() -> device.injectLatentError(0, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Long.toString(DEVICE_SIZE));
      assertThatThrownBy(() -> device.uninjectError(-1, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Long.toString(DEVICE_SIZE));
    }
  }

  // ---- latent poison and scrub
  // --------------------------------------------------------------------

  @Test
  void latentErrorIsNotListedUntilScrubFindsIt() throws Exception {
    dev.injectLatentError(40, 3);
    assertThat(dev.badblocks()).isEmpty();
    assertThat(dev.badblocksText()).isEmpty();

    assertThat(dev.scrub()).containsExactlyElementsOf(bb(40, 3));
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(40, 3));
    // A second scrub finds nothing new: it reports what it found, not the whole list.
    assertThat(dev.scrub()).isEmpty();
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(40, 3));
  }

  @Test
  void scrubReturnsOnlyWhatWasNotAlreadyKnown() throws Exception {
    dev.injectLatentError(10, 10); // 10..19
    dev.injectError(14, 2); // 14, 15 known already
    dev.injectError(300, 1);

    assertThat(dev.scrub()).containsExactlyElementsOf(bb(10, 4, 16, 4));
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(10, 10, 300, 1));
  }

  @Test
  void scrubOfACleanDeviceFindsNothing() throws Exception {
    assertThat(dev.scrub()).isEmpty();
    assertThat(dev.badblocks()).isEmpty();
  }

  @Test
  void latentPoisonFailsNoCheckUntilAnAccessConsumesIt() throws Exception {
    dev.injectLatentError(8, 1);
    // knownBadIn is what filesystem checks (badRanges) use: latent poison is not in it.
    assertThat(dev.knownBadIn(0, DEVICE_SIZE)).isEmpty();

    assertThat(daxReadSectors(8, 1)).isNotNull();
    assertThat(dev.knownBadIn(0, DEVICE_SIZE)).containsExactlyElementsOf(bb(8, 1));
    assertThat(dev.scrub()).as("the access already listed it").isEmpty();
  }

  // ---- uninject
  // ------------------------------------------------------------------------------------

  @Test
  void uninjectLeavesAKnownErrorListedAndFailingUntilAClearingWrite() throws Exception {
    dev.injectError(20, 4);
    dev.uninjectError(20, 4);

    // As ndctl inject-error --uninject: the poison is gone, the list entry is not.
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(20, 4));
    MediaFault f = daxReadSectors(21, 1);
    assertThat(f).as("a DAX read of a still-listed sector").isNotNull();
    assertThat(f.badBlocks()).containsExactlyElementsOf(bb(21, 1));

    directWriteSectors(20, 2); // the driver clears what it writes, and only that
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(22, 2));
    assertThat(daxReadSectors(20, 2)).isNull();

    dev.zero(22L * SECTOR, 2L * SECTOR);
    assertThat(dev.badblocks()).isEmpty();
    assertThat(daxReadSectors(20, 4)).isNull();
  }

  @Test
  void uninjectedLatentPoisonIsSimplyGone() throws Exception {
    dev.injectLatentError(50, 4); // 50..53
    dev.uninjectError(51, 2);

    assertThat(daxReadSectors(51, 2)).as("uninjected sectors read cleanly").isNull();
    assertThat(dev.badblocks()).isEmpty();
    assertThat(dev.scrub()).containsExactlyElementsOf(bb(50, 1, 53, 1));
  }

  @Test
  void uninjectOfCleanSectorsChangesNothing() throws Exception {
    dev.injectError(7, 1);
    dev.uninjectError(100, 5);

    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(7, 1));
    assertThat(dev.scrub()).isEmpty();
  }

  // ---- sysfs text
  // ------------------------------------------------------------------------------------

  @Test
  void badblocksTextIsOneStartCountLinePerRange() throws Exception {
    assertThat(dev.badblocksText()).isEmpty();
    dev.injectError(300, 1);
    dev.injectError(0, 8);

    assertThat(dev.badblocksText()).isEqualTo("0 8\n300 1\n");
  }

  @Test
  void badblocksTextSplitsRangesLongerThan512SectorsAsTheKernelTableStoresThem() throws Exception {
    dev.injectError(1000, 1300);
    dev.injectError(5000, 512); // exactly one full entry: not split
    dev.injectError(8000, 1024); // two full entries

    assertThat(dev.badblocksText())
        .isEqualTo("1000 512\n1512 512\n2024 276\n" + "5000 512\n" + "8000 512\n8512 512\n");
    // The list itself stays merged: the split is only the text form.
    assertThat(dev.badblocks()).containsExactlyElementsOf(bb(1000, 1300, 5000, 512, 8000, 1024));
  }

  // ---- seeded random injection
  // -------------------------------------------------------------------

  @Test
  void randomErrorsAreReproducibleForASeedOnDevicesOfTheSameSize() throws IOException {
    List<BadBlock> first = dev.injectRandomErrors(42, 50);
    try (EmulatedPmem other =
        EmulatedPmem.create(DaxConfiguration.builder().deviceSize(DEVICE_SIZE).build())) {
      assertThat(other.injectRandomErrors(42, 50)).isEqualTo(first);
      assertThat(other.badblocks()).isEqualTo(dev.badblocks());
    }
  }

  @Test
  void randomErrorsAreDistinctSortedOneSectorEntriesAllListed() throws Exception {
    List<BadBlock> injected = dev.injectRandomErrors(7, 200);

    assertThat(injected).hasSize(200);
    assertThat(injected)
        .allSatisfy(
            b -> {
              assertThat(b.count()).isEqualTo(1);
              assertThat(b.startSector()).isBetween(0L, SECTORS - 1);
            });
    Set<Long> starts = new HashSet<>();
    injected.forEach(b -> starts.add(b.startSector()));
    assertThat(starts).as("distinct sectors").hasSize(200);
    assertThat(injected)
        .isSortedAccordingTo((a, b) -> Long.compare(a.startSector(), b.startSector()));
    // Listed at once: the list (merged where neighbours were picked) covers exactly these sectors.
    assertThat(dev.badblocks().stream().mapToLong(BadBlock::count).sum()).isEqualTo(200);
    for (BadBlock b : injected) {
      assertThat(dev.knownBadIn(b.startByte(SECTOR), SECTOR)).containsExactly(b);
    }
  }

  @Test
  void differentSeedsGiveDifferentSectors() throws IOException {
    List<BadBlock> a = dev.injectRandomErrors(1, 20);
    try (EmulatedPmem other =
        EmulatedPmem.create(DaxConfiguration.builder().deviceSize(DEVICE_SIZE).build())) {
      assertThat(other.injectRandomErrors(2, 20)).isNotEqualTo(a);
    }
  }

  @Test
  void randomErrorCountIsValidated() throws Exception {
    assertThatThrownBy(() -> dev.injectRandomErrors(1, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> dev.injectRandomErrors(1, (int) SECTORS + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Long.toString(SECTORS));
    assertThat(dev.badblocks()).isEmpty();

    assertThat(dev.injectRandomErrors(1, 0)).isEmpty();
    assertThat(dev.badblocks()).isEmpty();
  }

  // ---- listener
  // --------------------------------------------------------------------------------------

  /**
   * Listeners may be called on another thread (daxfs runs them on its own, in order, so that a
   * listener which repairs a file cannot deadlock with the access that found the error): wait for
   * each call, never for long.
   */
  private static List<BadBlock> next(BlockingQueue<List<BadBlock>> told)
      throws InterruptedException {
    List<BadBlock> l = told.poll(10, TimeUnit.SECONDS);
    assertThat(l).as("listener called within 10 s").isNotNull();
    return l;
  }

  /**
   * Proves that {@code told} got nothing more: a second listener's call for a later event comes
   * after every call for earlier events, since notifications are delivered in order.
   */
  @SuppressWarnings("try") // the handle is only closed
  private void assertNothingMoreFor(BlockingQueue<List<BadBlock>> told, long freshSector)
      throws Exception {
    BlockingQueue<List<BadBlock>> probe = new LinkedBlockingQueue<>();
    try (AutoCloseable h = dev.onNewBadBlocks(probe::add)) {
      dev.injectError(freshSector, 1);
      while (!next(probe).contains(new BadBlock(freshSector, 1))) {
        // an earlier event delivered to the probe too; keep waiting for ours
      }
    }
    assertThat(told).isEmpty();
  }

  @SuppressWarnings("try") // the handle is only closed
  @Test
  void listenerIsToldOfInjectionScrubAndConsumedPoison() throws Exception {
    BlockingQueue<List<BadBlock>> told = new LinkedBlockingQueue<>();
    try (AutoCloseable handle = dev.onNewBadBlocks(told::add)) {
      dev.injectError(10, 2);
      assertThat(next(told)).isEqualTo(bb(10, 2));

      dev.injectError(11, 3); // 11 is known already: only 12, 13 are new
      assertThat(next(told)).isEqualTo(bb(12, 2));

      dev.injectError(10, 4); // nothing new: nothing to tell
      dev.injectLatentError(100, 1); // not known: nothing to tell
      dev.injectLatentError(200, 1);

      assertThat(daxReadSectors(100, 1)).isNotNull(); // consumed by an access
      assertThat(next(told)).as("only the consumed poison").isEqualTo(bb(100, 1));

      assertThat(dev.scrub()).isEqualTo(bb(200, 1));
      assertThat(next(told)).isEqualTo(bb(200, 1));

      // In order, nothing in between: the next call is for the next new sector.
      dev.injectError(5000, 1);
      assertThat(next(told)).isEqualTo(bb(5000, 1));
    }
  }

  @Test
  void listenerIsNotToldAfterItsHandleIsClosed() throws Exception {
    BlockingQueue<List<BadBlock>> told = new LinkedBlockingQueue<>();
    AutoCloseable handle = dev.onNewBadBlocks(told::add);
    dev.injectError(1, 1);
    assertThat(next(told)).isEqualTo(bb(1, 1));

    handle.close();
    dev.injectError(500, 1);
    dev.injectLatentError(600, 1);
    dev.scrub();
    dev.injectLatentError(700, 1);
    assertThat(daxReadSectors(700, 1)).isNotNull();

    assertNothingMoreFor(told, 5000);
  }

  @SuppressWarnings("try") // the handle is only closed
  @Test
  void closingOneHandleLeavesOtherListeners() throws Exception {
    BlockingQueue<List<BadBlock>> a = new LinkedBlockingQueue<>();
    BlockingQueue<List<BadBlock>> b = new LinkedBlockingQueue<>();
    AutoCloseable ha = dev.onNewBadBlocks(a::add);
    try (AutoCloseable hb = dev.onNewBadBlocks(b::add)) {
      ha.close();
      dev.injectError(3, 1);
      assertThat(next(b)).isEqualTo(bb(3, 1));
      assertNothingMoreFor(a, 5000);
    }
  }

  @SuppressWarnings("try") // the handle is only closed
  @Test
  void aThrowingListenerDoesNotBreakInjectionOrOtherListeners() throws Exception {
    BlockingQueue<List<BadBlock>> told = new LinkedBlockingQueue<>();
    try (AutoCloseable bad =
            dev.onNewBadBlocks(
                l -> {
                  throw new IllegalStateException("listener bug (expected by the test)");
                });
        AutoCloseable good = dev.onNewBadBlocks(told::add)) {
      dev.injectError(9, 1); // must not throw
      assertThat(next(told)).isEqualTo(bb(9, 1));
      assertThat(dev.badblocks()).isEqualTo(bb(9, 1));
    }
  }

  // ---- the lock-free snapshot
  // ------------------------------------------------------------------------

  @Test
  void snapshotReturnsToCleanOnceEverythingIsCleared() throws Exception {
    Badblocks b = new Badblocks(SECTORS);
    assertThat(b.view().clean).isTrue();

    b.inject(Range.closedOpen(5L, 9L));
    b.injectLatent(Range.closedOpen(20L, 21L));
    Badblocks.View dirty = b.view();
    assertThat(dirty.clean).isFalse();
    assertThat(dirty.known.asRanges()).containsExactly(Range.closedOpen(5L, 9L));
    assertThat(dirty.poison.asRanges())
        .containsExactly(Range.closedOpen(5L, 9L), Range.closedOpen(20L, 21L));

    b.clear(Range.closedOpen(0L, 100L));
    // The fast path every I/O takes depends on this: a repaired device is clean again.
    assertThat(b.view().clean).isTrue();
    assertThat(b.view()).isSameAs(Badblocks.View.CLEAN);
  }

  @Test
  void snapshotTakenBeforeAChangeIsNotAffectedByIt() throws Exception {
    Badblocks b = new Badblocks(SECTORS);
    b.inject(Range.closedOpen(5L, 6L));
    Badblocks.View before = b.view();

    b.inject(Range.closedOpen(50L, 51L));
    b.clear(Range.closedOpen(5L, 6L));

    assertThat(before.known.asRanges()).containsExactly(Range.closedOpen(5L, 6L));
    assertThat(b.view().known.asRanges()).containsExactly(Range.closedOpen(50L, 51L));
  }

  @Test
  void checkedRangeRejectsWhatIsNotInsideTheDevice() {
    Badblocks b = new Badblocks(100);
    assertThat(b.checkedRange(99, 1)).isEqualTo(Range.closedOpen(99L, 100L));
    assertThatThrownBy(() -> b.checkedRange(99, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100 sectors");
    assertThatThrownBy(() -> b.checkedRange(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.checkedRange(-1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @SuppressWarnings("try") // the handles are only closed
  @Test
  void aListenerRegisteredLaterNeverHearsOfEarlierErrors() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    BlockingQueue<List<BadBlock>> first = new LinkedBlockingQueue<>();
    BlockingQueue<List<BadBlock>> late = new LinkedBlockingQueue<>();
    try (AutoCloseable a =
        dev.onNewBadBlocks(
            bad -> {
              first.add(bad);
              try {
                release.await(
                    10, TimeUnit.SECONDS); // holds the notifier while the next error is made known
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      dev.injectError(100, 1);
      assertThat(next(first)).containsExactly(new BadBlock(100, 1));
      dev.injectError(102, 1); // queued behind the blocked call
      try (AutoCloseable b = dev.onNewBadBlocks(late::add)) {
        release.countDown();
        assertThat(next(first)).containsExactly(new BadBlock(102, 1));
        dev.injectError(104, 1);
        assertThat(next(late))
            .as("the first error B hears of is one made known after it registered")
            .containsExactly(new BadBlock(104, 1));
      }
    }
  }

  @Test
  void theIoPathLookupSeesKnownAndLatentSectorsAndNothingBeside() throws Exception {
    dev.injectError(10, 2); // sectors [10, 12)
    dev.injectLatentError(20, 1);
    Badblocks b = new Badblocks(SECTORS);
    b.inject(com.google.common.collect.Range.closedOpen(10L, 12L));
    b.injectLatent(com.google.common.collect.Range.closedOpen(20L, 21L));
    Badblocks.View v = b.view();
    assertThat(v.touches(9, 10)).isFalse();
    assertThat(v.touches(9, 11)).isTrue();
    assertThat(v.touches(11, 12)).isTrue();
    assertThat(v.touches(12, 20)).isFalse();
    assertThat(v.touches(20, 21)).isTrue();
    assertThat(v.touches(21, 1000)).isFalse();
    assertThat(v.touches(0, 1000)).isTrue();
    assertThat(daxReadSectors(12, 8)).isNull(); // right between them: a clean read
    assertThat(daxReadSectors(11, 1)).isNotNull();
  }

  @Test
  void eachChangeIsRecordedBeforeItIsMadeAsOneBatch() throws Exception {
    Badblocks b = new Badblocks(SECTORS);
    List<List<MediaJournal.Change>> batches = new ArrayList<>();
    b.setJournal(batches::add);
    b.injectLatent(Range.closedOpen(40L, 42L));
    b.inject(Range.closedOpen(5L, 9L));
    b.scrub();
    b.clear(Range.closedOpen(0L, 100L));
    assertThat(batches)
        .containsExactly(
            List.of(new MediaJournal.Change(MediaJournal.Kind.POISON_ADDED, 40, 42)),
            List.of(
                new MediaJournal.Change(MediaJournal.Kind.POISON_ADDED, 5, 9),
                new MediaJournal.Change(MediaJournal.Kind.KNOWN_ADDED, 5, 9)),
            List.of(new MediaJournal.Change(MediaJournal.Kind.KNOWN_ADDED, 40, 42)),
            List.of(
                new MediaJournal.Change(MediaJournal.Kind.POISON_REMOVED, 0, 100),
                new MediaJournal.Change(MediaJournal.Kind.KNOWN_REMOVED, 0, 100)));
  }

  @Test
  void aJournalThatCannotKeepAChangeLeavesTheStateAndItsViewAsTheyWere() throws Exception {
    Badblocks b = new Badblocks(SECTORS);
    b.inject(Range.closedOpen(5L, 9L));
    b.injectLatent(Range.closedOpen(20L, 24L));
    b.injectLatent(Range.closedOpen(30L, 31L));
    var poisoned = b.poisoned();
    var listed = b.listed();
    Badblocks.View view = b.view();
    IOException full = new IOException("No space left on device");
    b.setJournal(
        changes -> {
          throw full;
        });
    List<ThrowingRunnable> changes =
        List.of(
            () -> b.inject(Range.closedOpen(50L, 51L)),
            () -> b.injectLatent(Range.closedOpen(60L, 61L)),
            () -> b.uninject(Range.closedOpen(5L, 9L)),
            b::scrub,
            () ->
                b.addKnown(
                    com.google.common.collect.ImmutableRangeSet.of(Range.closedOpen(20L, 31L))),
            () -> b.clear(Range.closedOpen(0L, 100L)));
    for (ThrowingRunnable change : changes) {
      assertThatThrownBy(change::run).isSameAs(full);
      assertThat(b.poisoned()).isEqualTo(poisoned);
      assertThat(b.listed()).isEqualTo(listed);
      assertThat(b.view()).as("the lock-free view").isSameAs(view);
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
