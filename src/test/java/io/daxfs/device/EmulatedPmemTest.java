package io.daxfs.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.MediaErrorModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a bad sector does on each access path of the device, per {@code linux-dax-semantics.md}: DAX
 * copies, the block driver (DIRECT), zeroing, and the recovery write.
 */
class EmulatedPmemTest {
  private static final int DEVICE_SIZE = 16 << 20;
  private static final int SECTOR = 512;
  private static final int PAGE = 4096;

  /** What a failed read must leave in the caller's buffer: it was never written. */
  private static final byte UNTOUCHED = (byte) 0x5A;

  private final List<EmulatedPmem> devices = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (EmulatedPmem d : devices) {
      d.close();
    }
  }

  private EmulatedPmem device(MediaErrorModel model) throws IOException {
    EmulatedPmem d =
        EmulatedPmem.create(
            DaxConfiguration.builder().deviceSize(DEVICE_SIZE).mediaErrorModel(model).build());
    devices.add(d);
    return d;
  }

  private EmulatedPmem device() throws IOException {
    return device(MediaErrorModel.DIRECT_BYPASS);
  }

  private static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static List<BadBlock> bb(long... startCountPairs) {
    List<BadBlock> out = new ArrayList<>();
    for (int i = 0; i < startCountPairs.length; i += 2) {
      out.add(new BadBlock(startCountPairs[i], startCountPairs[i + 1]));
    }
    return out;
  }

  /** Fills {@code [off, off + data.length)} on a clean device (or clean range) through DAX. */
  private static void put(EmulatedPmem d, long off, byte[] data) throws MediaFault, IOException {
    d.write(AccessPath.DAX, off, ByteBuffer.wrap(data), 0, data.length);
  }

  /** A DAX read that must succeed. */
  private static byte[] get(EmulatedPmem d, long off, int len) throws MediaFault {
    ByteBuffer dst = ByteBuffer.allocate(len);
    d.read(AccessPath.DAX, off, dst, 0, len);
    return dst.array();
  }

  /** The bytes in the device's memory, whatever the badblocks say: what the media holds. */
  private static byte[] raw(EmulatedPmem d, long off, int len) throws IOException {
    MappedByteBuffer m = d.map(MapMode.READ_ONLY, off, len, () -> {});
    byte[] b = new byte[len];
    m.get(0, b);
    return b;
  }

  private static ByteBuffer untouched(int len) {
    byte[] b = new byte[len];
    Arrays.fill(b, UNTOUCHED);
    return ByteBuffer.wrap(b);
  }

  private static byte[] range(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, to);
  }

  private static byte[] filled(int len, byte value) {
    byte[] b = new byte[len];
    Arrays.fill(b, value);
    return b;
  }

  // ---- clean device
  // ----------------------------------------------------------------------------------

  @Test
  void cleanDeviceHasNoKnownBadSectorsAnywhere() throws Exception {
    EmulatedPmem d = device();
    assertThat(d.knownBadIn(0, DEVICE_SIZE)).isEmpty();
    assertThat(d.badblocks()).isEmpty();

    byte[] data = pattern(3 * PAGE + 7, 1);
    put(d, 12345, data);
    assertThat(get(d, 12345, data.length)).isEqualTo(data);
  }

  @Test
  void knownBadInReportsOnlyTheKnownSectorsOfTheByteRange() throws Exception {
    EmulatedPmem d = device();
    d.injectError(4, 2);
    d.injectError(100, 1);
    d.injectLatentError(50, 1);

    assertThat(d.knownBadIn(0, DEVICE_SIZE)).isEqualTo(bb(4, 2, 100, 1));
    // Byte ranges become sectors by rounding out: the last byte of sector 3 up to the first of 5.
    assertThat(d.knownBadIn(4 * SECTOR - 1, 2)).isEqualTo(bb(4, 1));
    assertThat(d.knownBadIn(5 * SECTOR, 3000)).isEqualTo(bb(5, 1));
    assertThat(d.knownBadIn(0, 4 * SECTOR)).isEmpty();
    assertThat(d.knownBadIn(6 * SECTOR, 94 * SECTOR)).as("latent 50 is not known").isEmpty();
    assertThat(d.knownBadIn(4 * SECTOR, 0)).isEmpty();
  }

  // ---- DAX read
  // ----------------------------------------------------------------------------------------

  @Test
  void daxReadOverAKnownBadSectorFailsBeforeCopyingAByte() throws Exception {
    EmulatedPmem d = device();
    put(d, 0, pattern(2 * PAGE, 2));
    d.injectError(12, 1);
    d.injectError(200, 1); // outside the read: not reported

    ByteBuffer dst = untouched(2 * PAGE);
    MediaFault f =
        catchThrowableOfType(MediaFault.class, () -> d.read(AccessPath.DAX, 0, dst, 0, 2 * PAGE));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DAX);
    assertThat(f.bytesMoved()).isZero();
    assertThat(f.badBlocks()).isEqualTo(bb(12, 1));
    assertThat(dst.array()).isEqualTo(filled(2 * PAGE, UNTOUCHED));
    assertThat(dst.position()).isZero();
  }

  @Test
  void daxReadHasNoAlignmentRuleAndFailsOnlyWhenItTouchesTheBadSector() throws Exception {
    EmulatedPmem d = device();
    byte[] data = pattern(PAGE, 3);
    put(d, 0, data);
    d.injectError(4, 1); // bytes 2048..2559

    // Up to the last byte before the bad sector, and from the first byte after it: fine.
    assertThat(get(d, 1000, 2048 - 1000)).isEqualTo(range(data, 1000, 2048));
    assertThat(get(d, 2560, 77)).isEqualTo(range(data, 2560, 2637));
    // One byte of it, at either end, is enough to fail.
    assertThatThrownBy(() -> get(d, 2047, 2)).isInstanceOf(MediaFault.class);
    assertThatThrownBy(() -> get(d, 2559, 1)).isInstanceOf(MediaFault.class);
  }

  @Test
  void faultReportsOnlyTheBadSectorsWithinTheAccess() throws Exception {
    EmulatedPmem d = device();
    d.injectError(2, 20);

    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.read(AccessPath.DAX, 1000, ByteBuffer.allocate(1100), 0, 1100)); // sectors 1..4

    assertThat(f.badBlocks()).isEqualTo(bb(2, 3));
  }

  @Test
  void daxReadOfLatentPoisonCopiesUpToThePoisonedSectorThenListsTheRun() throws Exception {
    EmulatedPmem d = device();
    byte[] data = pattern(2 * PAGE, 4);
    put(d, 0, data);
    d.injectLatentError(6, 2); // bytes 3072..4095

    ByteBuffer dst = untouched(2 * PAGE);
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class, () -> d.read(AccessPath.DAX, 100, dst, 0, 2 * PAGE - 100));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DAX);
    assertThat(f.bytesMoved()).isEqualTo(3072 - 100);
    assertThat(f.badBlocks()).isEqualTo(bb(6, 2));
    assertThat(range(dst.array(), 0, 3072 - 100)).isEqualTo(range(data, 100, 3072));
    assertThat(range(dst.array(), 3072 - 100, 2 * PAGE))
        .as("nothing copied at or after the poison")
        .isEqualTo(filled(2 * PAGE - 3072 + 100, UNTOUCHED));
    assertThat(d.badblocks()).isEqualTo(bb(6, 2));

    // Now it is known: the same read fails before copying anything.
    MediaFault again =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.read(AccessPath.DAX, 100, ByteBuffer.allocate(2 * PAGE), 0, 2 * PAGE - 100));
    assertThat(again.bytesMoved()).isZero();
  }

  @Test
  void daxReadStartingInLatentPoisonMovesNothing() throws Exception {
    EmulatedPmem d = device();
    d.injectLatentError(6, 2);

    ByteBuffer dst = untouched(1000);
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class, () -> d.read(AccessPath.DAX, 6 * SECTOR + 10, dst, 0, 1000));

    assertThat(f.bytesMoved()).isZero();
    assertThat(dst.array()).isEqualTo(filled(1000, UNTOUCHED));
    assertThat(d.badblocks()).isEqualTo(bb(6, 2));
  }

  @Test
  void daxReadConsumesOnlyTheFirstPoisonedRunItMeets() throws Exception {
    EmulatedPmem d = device();
    d.injectLatentError(2, 1);
    d.injectLatentError(10, 1);

    assertThatThrownBy(() -> get(d, 0, 16 * SECTOR)).isInstanceOf(MediaFault.class);

    // The copy stopped at sector 2; sector 10 was never touched and is still latent.
    assertThat(d.badblocks()).isEqualTo(bb(2, 1));
    assertThat(d.scrub()).isEqualTo(bb(10, 1));
  }

  @Test
  void injectedErrorsAreThePoisonListedOrLatentUntilUninjectedOrCleared() throws Exception {
    EmulatedPmem d = device();
    d.injectError(2, 2);
    d.injectLatentError(4, 1);
    d.injectLatentError(20, 3);
    d.injectError(40, 1);

    assertThat(d.injectedErrors()).isEqualTo(bb(2, 3, 20, 3, 40, 1));
    assertThat(d.badblocks()).isEqualTo(bb(2, 2, 40, 1));

    d.uninjectError(40, 1); // ndctl's warning: the list keeps it
    d.zero(2L * SECTOR, SECTOR); // a clearing write over one listed sector

    assertThat(d.injectedErrors()).isEqualTo(bb(3, 2, 20, 3));
    assertThat(d.badblocks()).isEqualTo(bb(3, 1, 40, 1));
  }

  // ---- DIRECT read
  // -------------------------------------------------------------------------------------

  @Test
  void directReadOfLatentPoisonFailsWholeAndListsAllPoisonOfTheRequest() throws Exception {
    EmulatedPmem d = device();
    put(d, 0, pattern(2 * PAGE, 5));
    d.injectLatentError(2, 1);
    d.injectLatentError(10, 1);
    d.injectLatentError(40, 1); // outside the request

    ByteBuffer dst = untouched(16 * SECTOR);
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class, () -> d.read(AccessPath.DIRECT, 0, dst, 0, 16 * SECTOR));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DIRECT);
    assertThat(f.bytesMoved()).as("the driver fails a request as a whole").isZero();
    assertThat(f.badBlocks()).isEqualTo(bb(2, 1, 10, 1));
    assertThat(dst.array()).isEqualTo(filled(16 * SECTOR, UNTOUCHED));
    assertThat(d.badblocks()).isEqualTo(bb(2, 1, 10, 1));
    assertThat(d.scrub()).isEqualTo(bb(40, 1));
  }

  @Test
  void directReadOverAKnownBadSectorFails() throws Exception {
    EmulatedPmem d = device();
    d.injectError(3, 1);

    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.read(AccessPath.DIRECT, 0, ByteBuffer.allocate(PAGE), 0, PAGE));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DIRECT);
    assertThat(f.bytesMoved()).isZero();
    assertThat(f.badBlocks()).isEqualTo(bb(3, 1));
  }

  // ---- DIRECT write
  // --------------------------------------------------------------------------------

  @Test
  void directWriteOverKnownBadSectorsClearsTheWholeWrittenRangeThenWrites() throws Exception {
    EmulatedPmem d = device();
    d.injectError(4, 1);
    d.injectLatentError(10, 2); // inside the write: cleared with it
    d.injectLatentError(40, 1); // outside: stays
    d.injectError(60, 1); // outside: stays listed

    byte[] data = pattern(2 * PAGE, 6);
    d.write(AccessPath.DIRECT, 0, ByteBuffer.wrap(data), 0, data.length);

    assertThat(d.badblocks()).isEqualTo(bb(60, 1));
    assertThat(get(d, 0, data.length)).isEqualTo(data);
    assertThat(d.scrub()).isEqualTo(bb(40, 1));
  }

  @Test
  void directWriteWithoutKnownBadSectorsLeavesLatentPoison() throws Exception {
    EmulatedPmem d = device();
    d.injectLatentError(4, 1);

    byte[] data = pattern(PAGE, 7);
    d.write(AccessPath.DIRECT, 0, ByteBuffer.wrap(data), 0, data.length);

    // The driver checks the badblocks list, not the media: the poison is still there.
    assertThat(d.badblocks()).isEmpty();
    assertThat(d.scrub()).isEqualTo(bb(4, 1));
    assertThat(get(d, 0, 4 * SECTOR)).isEqualTo(range(data, 0, 4 * SECTOR));
  }

  @Test
  void directWriteWritesFromTheGivenSourceIndexAndLeavesTheSourcePosition() throws Exception {
    EmulatedPmem d = device();
    d.injectError(1, 1);
    byte[] data = pattern(3 * SECTOR, 8);
    ByteBuffer src = ByteBuffer.wrap(data);

    d.write(AccessPath.DIRECT, 0, src, SECTOR, 2 * SECTOR);

    assertThat(src.position()).isZero();
    assertThat(get(d, 0, 2 * SECTOR)).isEqualTo(range(data, SECTOR, 3 * SECTOR));
    assertThat(d.badblocks()).isEmpty();
  }

  // ---- zeroing
  // -------------------------------------------------------------------------------------------

  @Test
  void zeroingClearsKnownBadSectorsAndReadsAsZeros() throws Exception {
    EmulatedPmem d = device();
    put(d, 0, pattern(2 * PAGE, 9));
    d.injectError(2, 3);
    d.injectError(9, 1); // second page: outside the zeroed range

    d.zero(0, PAGE);

    assertThat(d.badblocks()).isEqualTo(bb(9, 1));
    assertThat(get(d, 0, PAGE)).isEqualTo(new byte[PAGE]);
  }

  @Test
  void zeroingRejectsRangesOutsideTheDevice() throws Exception {
    EmulatedPmem d = device();
    assertThatThrownBy(() -> d.zero(DEVICE_SIZE - PAGE, 2 * PAGE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.zero(-1, PAGE)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void zeroingCommitsMemory() throws Exception {
    EmulatedPmem d = device();
    long before = d.memoryUsed();
    d.zero(PAGE, 4 * PAGE);
    assertThat(d.memoryUsed()).isEqualTo(before + 4 * PAGE);
    d.zero(PAGE, 4 * PAGE); // already committed: costs nothing more
    assertThat(d.memoryUsed()).isEqualTo(before + 4 * PAGE);
  }

  // ---- DAX write
  // ---------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(
      value = MediaErrorModel.class,
      names = {"DIRECT_BYPASS", "CLEAR_ON_ZERO"})
  void daxWriteOverAKnownBadSectorFailsAndChangesNothing(MediaErrorModel model) throws Exception {
    EmulatedPmem d = device(model);
    byte[] old = pattern(2 * PAGE, 10);
    put(d, 0, old);
    d.injectError(9, 1);

    byte[] data = pattern(2 * PAGE, 11);
    // Even whole aligned pages: only RECOVERY_WRITE clears on a plain write.
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.write(AccessPath.DAX, 0, ByteBuffer.wrap(data), 0, data.length));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DAX);
    assertThat(f.bytesMoved()).isZero();
    assertThat(f.badBlocks()).isEqualTo(bb(9, 1));
    assertThat(d.badblocks()).isEqualTo(bb(9, 1));
    assertThat(raw(d, 0, 2 * PAGE)).isEqualTo(old);
  }

  @ParameterizedTest
  @EnumSource(MediaErrorModel.class)
  void daxWriteOverLatentPoisonWritesAndLeavesThePoison(MediaErrorModel model) throws Exception {
    EmulatedPmem d = device(model);
    d.injectLatentError(3, 1);

    byte[] data = pattern(PAGE, 12);
    put(d, 0, data); // a store never meets latent poison

    assertThat(d.badblocks()).isEmpty();
    assertThat(get(d, 0, 3 * SECTOR)).isEqualTo(range(data, 0, 3 * SECTOR));
    assertThat(d.scrub()).isEqualTo(bb(3, 1));
  }

  // ---- RECOVERY_WRITE
  // ------------------------------------------------------------------------------

  @Test
  void recoveryWriteOfWholeAlignedPagesClearsAndWrites() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    put(d, 0, pattern(4 * PAGE, 13));
    d.injectError(9, 1); // page 1
    d.injectError(24, 8); // page 3, whole
    d.injectLatentError(10, 1); // page 1: cleared with the page

    byte[] data = pattern(4 * PAGE, 14);
    d.write(AccessPath.DAX, 0, ByteBuffer.wrap(data), 0, data.length);

    assertThat(d.badblocks()).isEmpty();
    assertThat(get(d, 0, data.length)).isEqualTo(data);
    assertThat(d.scrub()).isEmpty();
  }

  @Test
  void recoveryWriteClearsOnlyThePagesItWrites() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    d.injectError(9, 1); // page 1
    d.injectError(17, 1); // page 2

    byte[] data = pattern(PAGE, 15);
    d.write(AccessPath.DAX, PAGE, ByteBuffer.wrap(data), 0, PAGE);

    assertThat(d.badblocks()).isEqualTo(bb(17, 1));
    assertThat(get(d, PAGE, PAGE)).isEqualTo(data);
  }

  @Test
  void unalignedRecoveryWriteFailsAfterTheWholePagesBeforeTheBadOne() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    byte[] old = pattern(3 * PAGE, 16);
    put(d, 0, old);
    d.injectError(8, 1); // first sector of page 1

    byte[] data = pattern(PAGE + 100, 17);
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.write(AccessPath.DAX, 0, ByteBuffer.wrap(data), 0, data.length));

    assertThat(f.accessPath()).isEqualTo(AccessPath.DAX);
    assertThat(f.bytesMoved()).isEqualTo(PAGE);
    assertThat(f.badBlocks()).isEqualTo(bb(8, 1));
    assertThat(d.badblocks()).as("not cleared").isEqualTo(bb(8, 1));
    assertThat(get(d, 0, PAGE)).as("the page before was written").isEqualTo(range(data, 0, PAGE));
    assertThat(raw(d, PAGE, 2 * PAGE))
        .as("nothing written beyond bytesMoved, the bad sector included")
        .isEqualTo(range(old, PAGE, 3 * PAGE));
  }

  @Test
  void recoveryWriteStartingOffAPageBoundaryOverABadSectorMovesNothing() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    byte[] old = pattern(PAGE, 18);
    put(d, 0, old);
    d.injectError(1, 1);

    byte[] data = pattern(PAGE - 100, 19);
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.write(AccessPath.DAX, 100, ByteBuffer.wrap(data), 0, data.length));

    assertThat(f.bytesMoved()).isZero();
    assertThat(d.badblocks()).isEqualTo(bb(1, 1));
    assertThat(raw(d, 0, PAGE)).isEqualTo(old);
  }

  @Test
  void recoveryWriteOfAPartialLastPageFailsAfterTheWholeOnes() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    byte[] old = pattern(2 * PAGE, 20);
    put(d, 0, old);
    d.injectError(1, 1); // page 0
    d.injectError(9, 1); // page 1

    byte[] data = pattern(PAGE + 2 * SECTOR, 21); // page 0 whole, page 1 partly
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class,
            () -> d.write(AccessPath.DAX, 0, ByteBuffer.wrap(data), 0, data.length));

    assertThat(f.bytesMoved()).isEqualTo(PAGE);
    assertThat(d.badblocks()).as("page 0 cleared, page 1 not").isEqualTo(bb(9, 1));
    assertThat(get(d, 0, PAGE)).isEqualTo(range(data, 0, PAGE));
    assertThat(raw(d, PAGE, PAGE)).isEqualTo(range(old, PAGE, 2 * PAGE));
  }

  @Test
  void recoveryWriteAwayFromBadSectorsIsAPlainWrite() throws Exception {
    EmulatedPmem d = device(MediaErrorModel.RECOVERY_WRITE);
    d.injectError(100, 1);

    byte[] data = pattern(333, 22);
    put(d, 17, data); // unaligned, but nothing bad in it

    assertThat(get(d, 17, 333)).isEqualTo(data);
    assertThat(d.badblocks()).isEqualTo(bb(100, 1));
  }

  // ---- 4096-byte sectors
  // ----------------------------------------------------------------------------

  @Test
  void sectorsOf4096BytesAreTheUnitOfTheBadblocks() throws Exception {
    EmulatedPmem d =
        EmulatedPmem.create(
            DaxConfiguration.builder().deviceSize(DEVICE_SIZE).sectorSize(4096).build());
    devices.add(d);
    assertThat(d.sectorCount()).isEqualTo(DEVICE_SIZE / 4096);
    byte[] data = pattern(3 * PAGE, 23);
    put(d, 0, data);
    d.injectError(1, 1); // bytes 4096..8191

    assertThat(d.knownBadIn(PAGE - 1, 2)).isEqualTo(bb(1, 1));
    assertThat(get(d, 0, PAGE)).isEqualTo(range(data, 0, PAGE));
    MediaFault f =
        catchThrowableOfType(
            MediaFault.class, () -> d.read(AccessPath.DAX, 8191, ByteBuffer.allocate(10), 0, 10));
    assertThat(f.badBlocks()).isEqualTo(bb(1, 1));
    assertThatThrownBy(() -> d.injectError(DEVICE_SIZE / 4096, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Long.toString(DEVICE_SIZE));
  }
}
