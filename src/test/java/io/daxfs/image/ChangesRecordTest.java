package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.daxfs.CorruptImageException;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.Inode;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataChange.AttributesSet;
import io.daxfs.fs.MetadataChange.Created;
import io.daxfs.fs.MetadataChange.ExtentAdded;
import io.daxfs.fs.MetadataChange.ExtentsRemoved;
import io.daxfs.fs.MetadataChange.Linked;
import io.daxfs.fs.MetadataChange.Renamed;
import io.daxfs.fs.MetadataChange.Resized;
import io.daxfs.fs.MetadataChange.Unlinked;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code CHANGES} record, the changes of one operation in one log record: it decodes to what was
 * encoded, damage inside it is refused by name and never misread, and replay takes it all or none.
 */
class ChangesRecordTest {
  @TempDir Path dir;

  private static MetadataChange random(Random r) {
    long inode = 2 + r.nextInt(1 << 20);
    String name = "n" + r.nextInt(1000) + (r.nextBoolean() ? "é" : "");
    return switch (r.nextInt(8)) {
      case 0 ->
          r.nextBoolean()
              ? new Created(
                  inode,
                  Inode.Kind.REGULAR_FILE,
                  0644,
                  "alice",
                  "staff",
                  r.nextLong() & Long.MAX_VALUE,
                  null)
              : new Created(inode, Inode.Kind.SYMBOLIC_LINK, 0777, "bob", "bob", 7, "../t/" + name);
      case 1 -> new Linked(2, name, inode);
      case 2 -> new Unlinked(inode, name, 9);
      case 3 -> new Renamed(2, name, inode, name + "x", 11);
      case 4 -> new AttributesSet(inode, 0600, "o", "g", 1, 2, 3, 4);
      case 5 -> new ExtentAdded(inode, r.nextInt(1000), r.nextInt(1000), 1 + r.nextInt(64));
      case 6 -> new ExtentsRemoved(inode, 3, r.nextBoolean() ? Long.MAX_VALUE : 9);
      default -> new Resized(inode, r.nextInt(1 << 30));
    };
  }

  private static byte[] encode(List<MetadataChange> changes) {
    Bytes.Out out = new Bytes.Out(64);
    Records.encodeChanges(changes, out);
    return java.util.Arrays.copyOf(out.array(), out.position());
  }

  private static List<MetadataChange> decode(byte[] payload) throws FormatException {
    return Records.decodeChanges(
        new Bytes.In(ByteBuffer.wrap(payload), 0, payload.length, "test record", 0));
  }

  @Test
  void everyKindOfChangeDecodesToWhatWasEncoded() throws Exception {
    long seed = 11;
    Random r = new Random(seed);
    for (int trial = 0; trial < 500; trial++) {
      List<MetadataChange> changes = new ArrayList<>();
      int n = 2 + r.nextInt(6);
      for (int i = 0; i < n; i++) {
        changes.add(random(r));
      }
      assertThat(decode(encode(changes))).as("seed %d, trial %d", seed, trial).isEqualTo(changes);
    }
  }

  @Test
  void aRecordOfFewerThanTwoChangesIsRefused() throws Exception {
    byte[] one = encode(List.of(new Resized(5, 1)));
    assertThatThrownBy(() -> decode(one))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("CHANGES holds 1 change(s)");
    assertThatThrownBy(() -> decode(new byte[0]))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("CHANGES holds 0 change(s)");
  }

  @Test
  void badLengthsAndTypesInsideAreRefusedByName() throws Exception {
    List<MetadataChange> changes =
        List.of(
            new Created(7, Inode.Kind.REGULAR_FILE, 0644, "u", "g", 1, null),
            new Linked(2, "seven", 7));
    byte[] good = encode(changes);
    int second = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    for (int len : new int[] {0, 7, -1, Integer.MIN_VALUE, good.length - second + 1, 1 << 30}) {
      byte[] bad = good.clone();
      Bytes.putInt(bad, second, len);
      assertThatThrownBy(() -> decode(bad))
          .as("length %d", len)
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("CHANGES: change 1 has length")
          .hasMessageContaining("at byte " + second);
    }
    // a length that fits but cuts the change short, or leaves bytes over
    for (int delta : new int[] {-1, -4, 1}) {
      byte[] bad = good.clone();
      Bytes.putInt(bad, 0, second + delta);
      assertThatThrownBy(() -> decode(bad))
          .as("delta %d", delta)
          .isInstanceOf(FormatException.class);
    }
    for (int type : new int[] {0, Records.CHANGES, Records.POISON_ADDED, Records.EPOCH_START}) {
      byte[] bad = good.clone();
      bad[second + 4] = (byte) type;
      assertThatThrownBy(() -> decode(bad))
          .as("type %d", type)
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("change 1 has " + Records.name(type));
    }
    byte[] reserved = good.clone();
    reserved[6] = 1;
    assertThatThrownBy(() -> decode(reserved))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("reserved bits 1");
  }

  @Test
  void randomDamageIsRefusedOrDecodesNeverAnotherException() {
    long seed = 12;
    Random r = new Random(seed);
    for (int trial = 0; trial < 3000; trial++) {
      List<MetadataChange> changes = new ArrayList<>();
      for (int i = 2 + r.nextInt(3); i > 0; i--) {
        changes.add(random(r));
      }
      byte[] bytes = encode(changes);
      for (int e = 1 + r.nextInt(3); e > 0; e--) {
        int at = r.nextInt(bytes.length);
        bytes[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : bytes[at] ^ 0x80);
      }
      try {
        decode(bytes);
      } catch (FormatException refused) {
        assertThat(refused.getMessage()).contains("test record");
      } catch (RuntimeException | Error e) {
        fail("seed " + seed + ", trial " + trial + ": " + e, e);
      }
    }
  }

  // ---- replay
  // ------------------------------------------------------------------------------------

  /**
   * An image as a kill would leave it just after the creation of {@code /new} (its new inode and
   * its name in one record), with {@code /old} made before.
   */
  private Path killedAfterACreation() throws Exception {
    Path img = Images.format(dir.resolve("pmem0.img"), 1 << 20);
    Path copy = dir.resolve("killed.img");
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      Files.write(fs.getPath("/old"), new byte[] {1, 2, 3});
      Files.createFile(fs.getPath("/new"));
      Files.copy(img, copy);
    }
    return copy;
  }

  /** The last record of {@code img}'s log, which must be a {@code CHANGES}. */
  private static ImageLog.Entry lastRecord(Path img) throws Exception {
    Superblock sb = Images.superblock(img);
    MappedByteBuffer log = Images.mapped(img, sb.logOffset(), sb.logCapacity());
    ImageLog.Scan scan = new ImageLog(log, sb.logOffset()).scan(sb.epoch());
    ImageLog.Entry last = scan.entries().get(scan.entries().size() - 1);
    assertThat(Records.name(last.type())).isEqualTo("CHANGES");
    return last;
  }

  @Test
  void aCreationIsOneRecordThatAKillAfterItKeepsWhole() throws Exception {
    Path img = killedAfterACreation();
    lastRecord(img);
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.exists(fs.getPath("/new"))).isTrue();
      assertThat(Files.readAllBytes(fs.getPath("/old"))).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aTornCreationIsDroppedWholeAtReplay() throws Exception {
    Path img = killedAfterACreation();
    ImageLog.Entry last = lastRecord(img);
    // the append the process died in: the record's last bytes never made it
    long at = Images.superblock(img).logOffset() + last.payloadTo() - 1;
    byte[] b = Images.read(img, at, 1);
    b[0] ^= 0x55;
    Images.write(img, at, b);
    assertThat(ImageCheck.run(img, false).problems()).isEmpty();
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.exists(fs.getPath("/new"))).isFalse();
      assertThat(Files.readAllBytes(fs.getPath("/old"))).containsExactly(1, 2, 3);
      Files.createFile(fs.getPath("/new")); // its inode number and name are free again
    }
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.exists(fs.getPath("/new"))).isTrue();
    }
  }

  @Test
  void aBadLengthInsideAWholeRecordRefusesTheImageAndRepairDropsTheRecordWhole() throws Exception {
    Path img = killedAfterACreation();
    ImageLog.Entry last = lastRecord(img);
    long logOffset = Images.superblock(img).logOffset();
    int length = last.payloadTo() - last.at();
    ByteBuffer record =
        ByteBuffer.wrap(Images.read(img, logOffset + last.at(), length + 4))
            .order(ByteOrder.LITTLE_ENDIAN);
    // the second change (the name) claims more bytes than the record holds; checksum recomputed
    int first = record.getInt(ImageLog.HEADER);
    record.putInt(ImageLog.HEADER + first, 1 << 20);
    record.putInt(length, Bytes.crc(record.array(), 0, length));
    Images.write(img, logOffset + last.at(), record.array());
    long at = logOffset + last.payloadFrom() + first;
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(img)).close())
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("record " + last.sequence() + " at byte " + at)
        .hasMessageContaining("CHANGES: change 1 has length 1048576");
    ImageCheck.Report repaired = ImageCheck.run(img, true);
    assertThat(repaired.repaired())
        .anySatisfy(r -> assertThat(r).contains("record " + last.sequence()));
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.config(img))) {
      assertThat(Files.exists(fs.getPath("/new"))).isFalse(); // neither the name nor the inode
      assertThat(Files.readAllBytes(fs.getPath("/old"))).containsExactly(1, 2, 3);
    }
    assertThat(ImageCheck.run(img, false).problems()).isEmpty();
  }
}
