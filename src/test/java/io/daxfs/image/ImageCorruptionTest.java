package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.daxfs.CorruptImageException;
import io.daxfs.DaxFileSystems;
import java.io.RandomAccessFile;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged image is refused at mount with a {@link CorruptImageException} that says what is wrong
 * and where, or (damage in unused space) mounts with exactly what it held: never another exception,
 * a crash, a hang or a silent loss.
 */
class ImageCorruptionTest {
  @TempDir Path dir;
  private Path img;
  private Map<String, String> expected;
  private Superblock sb;

  @BeforeEach
  void image() throws Exception {
    img = Images.populated(dir.resolve("pmem0.img"));
    sb = Images.superblock(img);
    expected = snapshot(img);
  }

  private static Map<String, String> snapshot(Path img) throws Exception {
    try (FileSystem fs = DaxFileSystems.newFileSystem(Images.readOnly(img))) {
      Map<String, String> s = TreeSnapshot.of(fs);
      s.put("badblocks", DaxFileSystems.device(fs).badblocks().toString());
      s.put("latent", DaxFileSystems.device(fs).scrub().toString());
      return s;
    }
  }

  /** A region of the image, and the bytes of it that the format gives meaning to. */
  private record Region(String name, long from, long to) {}

  private List<Region> regions() throws Exception {
    long length = Files.size(img);
    long logUsed = 256; // the epoch marker and what follows it
    return List.of(
        new Region("superblock A", 0, Superblock.HEADER_LENGTH),
        new Region(
            "superblock B", Superblock.SLOT_SIZE, Superblock.SLOT_SIZE + Superblock.HEADER_LENGTH),
        new Region("superblock padding", Superblock.HEADER_LENGTH, Superblock.SLOT_SIZE),
        new Region("before the data", 2 * Superblock.SLOT_SIZE, sb.dataOffset()),
        new Region("data", sb.dataOffset(), sb.dataOffset() + sb.deviceSize()),
        new Region("log head", sb.logOffset(), sb.logOffset() + logUsed),
        new Region("log", sb.logOffset(), sb.logOffset() + sb.logCapacity()),
        new Region("checkpoint", sb.checkpointOffset(), sb.checkpointEnd()),
        new Region("metadata area", sb.logOffset() + sb.logCapacity(), length));
  }

  @Test
  void randomBitFlipsInEveryRegionAreRefusedByNameOrChangeNothing() throws Exception {
    long seed = 20240611L;
    Random random = new Random(seed);
    List<Region> regions = regions();
    int refused = 0;
    for (int trial = 0; trial < 400; trial++) {
      Region r = regions.get(random.nextInt(regions.size()));
      long at = r.from() + (long) (random.nextDouble() * (r.to() - r.from()));
      int bit = random.nextInt(8);
      String where =
          "seed "
              + seed
              + ", trial "
              + trial
              + ": bit "
              + bit
              + " of byte "
              + at
              + " ("
              + r.name()
              + ")";
      Images.flipBit(img, at, bit);
      try {
        Map<String, String> got = snapshot(img);
        if (r.name().equals("data")) {
          // file data is not checksummed (nor is pmem's): at most the one file there changed
          long differing =
              got.keySet().stream().filter(k -> !got.get(k).equals(expected.get(k))).count();
          assertThat(differing).as(where).isLessThanOrEqualTo(1);
          assertThat(got.keySet()).as(where).isEqualTo(expected.keySet());
        } else {
          assertThat(got).as(where).isEqualTo(expected);
        }
      } catch (CorruptImageException e) {
        refused++;
        assertThat(e.getFile()).as(where).isEqualTo(img.toString());
        assertThat(e.getReason()).as(where).containsAnyOf("superblock", "checkpoint", "log");
      } catch (Exception | Error e) {
        throw new AssertionError(where + ": " + e, e);
      } finally {
        Images.flipBit(img, at, bit);
      }
    }
    assertThat(refused).as("flips refused").isPositive();
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  @Test
  void everyBitOfTheCurrentSuperblockAndCheckpointIsGuarded() throws Exception {
    List<Long> offsets = new ArrayList<>();
    long current = (long) sb.slot() * Superblock.SLOT_SIZE;
    for (long i = 0; i < Superblock.HEADER_LENGTH; i++) {
      offsets.add(current + i);
    }
    for (long i = sb.checkpointOffset(); i < sb.checkpointEnd(); i += 7) {
      offsets.add(i);
    }
    for (long at : offsets) {
      Images.flipBit(img, at, (int) (at % 8));
      try {
        assertThatThrownBy(() -> snapshot(img))
            .as("byte %s", at)
            .isInstanceOf(CorruptImageException.class)
            .hasMessageContaining(img.toString());
      } finally {
        Images.flipBit(img, at, (int) (at % 8));
      }
    }
  }

  @Test
  void truncationAtAnyLengthIsRefused() throws Exception {
    long length = Files.size(img);
    Random random = new Random(77);
    List<Long> lengths =
        new ArrayList<>(List.of(0L, 1L, 127L, 4096L, 8191L, 8192L, sb.dataOffset(), length - 1));
    for (int i = 0; i < 40; i++) {
      lengths.add((long) (random.nextDouble() * length));
    }
    Path copy = dir.resolve("truncated.img");
    for (long cut : lengths) {
      Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
      try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
        f.setLength(cut);
      }
      assertThatThrownBy(() -> snapshot(copy))
          .as("cut at %s (seed 77)", cut)
          .isInstanceOf(CorruptImageException.class)
          .satisfies(
              e ->
                  assertThat(((CorruptImageException) e).getReason())
                      .containsAnyOf("truncated", "shorter than", "superblock"));
    }
  }

  @Test
  void aFileThatIsNoImageIsRefused() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "not an image\n".repeat(1000));
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(text)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("no daxfs magic");
    Path empty = Files.createFile(dir.resolve("empty.img"));
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(empty)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("0 bytes");
  }

  @Test
  void wrongMagicIsRefused() throws Exception {
    Images.write(img, 0, "NOTDAXFS".getBytes());
    Images.write(img, Superblock.SLOT_SIZE, "NOTDAXFS".getBytes());
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(img)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("no valid superblock")
        .hasMessageContaining("superblock A (byte 0): no daxfs magic");
  }

  @Test
  void aFutureFormatVersionIsRefusedByName() throws Exception {
    long at = (long) sb.slot() * Superblock.SLOT_SIZE + 8;
    Images.write(img, at, new byte[] {7, 0, 0, 0});
    assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(img)))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("format version 7 is newer than this daxfs reads (1)");
    assertThatThrownBy(() -> ImageCheck.run(img, true))
        .isInstanceOf(CorruptImageException.class)
        .hasMessageContaining("format version 7 is newer than this daxfs reads (1)");
  }

  @Test
  void lengthsAndOffsetsPointingPastTheEndAreRefusedBeforeAnythingIsRead() throws Exception {
    long end = Files.size(img);
    List<Superblock> edits =
        List.of(
            with(sb, sb.checkpointOffset(), end * 4, sb.imageLength()),
            with(sb, sb.checkpointOffset(), Long.MAX_VALUE, Long.MAX_VALUE),
            with(sb, end * 2, sb.checkpointLength(), end * 2 + sb.checkpointLength()),
            with(sb, sb.checkpointOffset(), sb.checkpointLength(), end + (1L << 40)),
            with(sb, sb.checkpointOffset() + (1L << 62), sb.checkpointLength(), Long.MAX_VALUE));
    byte[] original = Images.read(img, (long) sb.slot() * Superblock.SLOT_SIZE, 128);
    for (Superblock edited : edits) {
      Images.writeSuperblock(img, edited);
      assertThatThrownBy(() -> DaxFileSystems.newFileSystem(Images.config(img)))
          .as("%s", edited)
          .isInstanceOf(CorruptImageException.class)
          .hasMessageContaining(img.toString());
      Images.write(img, (long) sb.slot() * Superblock.SLOT_SIZE, original);
    }
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  @Test
  void aCheckpointEditedByHandWithItsChecksumsRecomputedIsRefusedOrMountsNeverCrashing()
      throws Exception {
    long seed = 99;
    Random random = new Random(seed);
    byte[] original = Images.read(img, sb.checkpointOffset(), (int) sb.checkpointLength());
    byte[] sbBytes = Images.read(img, (long) sb.slot() * Superblock.SLOT_SIZE, 128);
    for (int trial = 0; trial < 300; trial++) {
      byte[] edited = original.clone();
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = Checkpoint.HEADER + random.nextInt(edited.length - Checkpoint.HEADER - 4);
        edited[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : edited[at] ^ 0x80);
      }
      int crc = Bytes.crc(edited, 0, edited.length - 4);
      Bytes.putInt(edited, edited.length - 4, crc);
      Images.write(img, sb.checkpointOffset(), edited);
      Images.writeSuperblock(
          img,
          sb.withCheckpoint(
              sb.generation(),
              sb.checkpointOffset(),
              sb.checkpointLength(),
              crc,
              sb.epoch(),
              sb.imageLength()));
      try {
        snapshot(img);
      } catch (CorruptImageException expectedRefusal) {
        assertThat(expectedRefusal.getReason()).contains("checkpoint");
      } catch (Exception | Error e) {
        fail("seed " + seed + ", trial " + trial + ": " + e, e);
      } finally {
        Images.write(img, sb.checkpointOffset(), original);
        Images.write(img, (long) sb.slot() * Superblock.SLOT_SIZE, sbBytes);
      }
    }
    assertThat(snapshot(img)).isEqualTo(expected);
  }

  private static Superblock with(Superblock s, long ckptOffset, long ckptLength, long imageLength) {
    return s.withCheckpoint(
        s.generation(), ckptOffset, ckptLength, s.checkpointCrc(), s.epoch(), imageLength);
  }
}
