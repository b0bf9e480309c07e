package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The commands in ndctl's words: create-namespace, list, inject-error, clear-errors, start-scrub.
 */
class NamespaceCommandsTest extends CliHarness {
  /** Writes {@code /log} and returns the device sector of its first byte. */
  private long writeLog(Path image, byte[] data) throws IOException {
    return onImage(
        image,
        fs -> {
          Path log = fs.getPath("/log");
          Files.write(log, data);
          return DaxFiles.extents(log).get(0).physicalOffset() / 512;
        });
  }

  private List<BadBlock> badblocks(Path image) throws IOException {
    return onImage(image, fs -> DaxFileSystems.device(fs).badblocks());
  }

  private List<BadBlock> injected(Path image) throws IOException {
    return onImage(image, fs -> DaxFileSystems.device(fs).injectedErrors());
  }

  @Test
  void createNamespacePrintsTheNewNamespaceAndRefusesAnExistingFile() throws IOException {
    Path image = host.resolve("pmem0.img");

    JsonNode n =
        daxfs(
                "create-namespace",
                image.toString(),
                "--size",
                "32m",
                "--sector-size",
                "4096",
                "--block-size",
                "8k",
                "--media-error-model",
                "recovery_write")
            .succeeds()
            .json();

    assertThat(n.get("dev").asText()).isEqualTo(image.toString());
    assertThat(n.get("mode").asText()).isEqualTo("fsdax");
    assertThat(n.get("size").asLong()).isEqualTo(32L << 20);
    assertThat(n.get("sector_size").asInt()).isEqualTo(4096);
    assertThat(n.get("block_size").asInt()).isEqualTo(8192);
    assertThat(n.get("media_error_model").asText()).isEqualTo("RECOVERY_WRITE");
    assertThat(n.has("badblock_count")).as("as ndctl: no count while there are none").isFalse();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(image)))
        .isEqualTo("rw-------");
    JsonNode listed = daxfs("list", image.toString()).succeeds().json();
    assertThat(listed.get("sector_size").asInt()).isEqualTo(4096);
    assertThat(listed.get("media_error_model").asText()).isEqualTo("RECOVERY_WRITE");

    byte[] before = Files.readAllBytes(image);
    daxfs("create", image.toString()).fails(EEXIST, image + ": File exists");
    assertThat(Files.readAllBytes(image)).isEqualTo(before);
  }

  @Test
  void createNamespaceRefusesAGeometryThatDoesNotFit() {
    String image = host.resolve("bad.img").toString();

    daxfs("create-namespace", image, "--sector-size", "1024")
        .fails(EINVAL, "daxfs create-namespace: sectorSize must be 512 or 4096, got 1024");
    daxfs("create-namespace", image, "--size", "lots").fails(EINVAL, "not a size: 'lots'");
    daxfs("create-namespace", image, "--media-error-model", "NONE").fails(USAGE, "NONE");
    assertThat(host.resolve("bad.img")).doesNotExist();
  }

  @Test
  void listPrintsNdctlsNamespaceObjectAndTheFilesEachBadblockDestroyed() throws IOException {
    Path image = newImage("pmem0.img");
    long first = writeLog(image, new byte[3 * 4096]);
    daxfs("inject-error", image.toString(), "--block", String.valueOf(first + 9), "--count", "2")
        .succeeds();
    daxfs("inject-error", image.toString(), "-B", "30000", "-n", "1").succeeds();

    JsonNode plain = daxfs("list", image.toString()).succeeds().json();
    JsonNode n = daxfs("list", "--media-errors", image.toString()).succeeds().json();

    assertThat(plain.get("badblock_count").asInt()).isEqualTo(3);
    assertThat(plain.has("badblocks")).as("only with --media-errors, as ndctl").isFalse();
    assertThat(n.get("dev").asText()).isEqualTo(image.toString());
    assertThat(n.get("size").asLong()).isEqualTo(16L << 20);
    assertThat(n.get("sector_size").asInt()).isEqualTo(512);
    assertThat(n.get("badblock_count").asInt()).isEqualTo(3);
    JsonNode bbs = n.get("badblocks");
    assertThat(bbs).hasSize(2);
    assertThat(bbs.get(0).get("offset").asLong()).isEqualTo(first + 9);
    assertThat(bbs.get(0).get("length").asLong()).isEqualTo(2);
    JsonNode lost = bbs.get(0).get("files").get(0);
    assertThat(lost.get("path").asText()).isEqualTo("/log");
    assertThat(lost.get("offset").asLong()).isEqualTo(9 * 512);
    assertThat(lost.get("length").asLong()).isEqualTo(1024);
    assertThat(bbs.get(1).get("offset").asLong()).isEqualTo(30000);
    assertThat(bbs.get(1).has("files")).as("free space destroys no file").isFalse();
  }

  @Test
  void listOfSeveralImagesIsAnArrayAsNdctlPrintsSeveralNamespaces() {
    Path a = newImage("a.img");
    Path b = newImage("b.img", "--sector-size", "4096");

    JsonNode n = daxfs("list", "-M", a.toString(), b.toString()).succeeds().json();

    assertThat(n.isArray()).isTrue();
    assertThat(n).extracting(x -> x.get("sector_size").asInt()).containsExactly(512, 4096);
  }

  @Test
  void aBadblockOverSeveralFilesNamesEachFileRangeOnIt() throws IOException {
    Path image = newImage("pmem0.img");
    long[] run =
        onImage(
            image,
            fs -> {
              Path a = fs.getPath("/a");
              Path b = fs.getPath("/b");
              Files.write(a, new byte[4096]);
              Files.write(b, new byte[4096]);
              Files.write(a, new byte[4096], StandardOpenOption.APPEND); // a: two extents
              long aStart = DaxFiles.extents(a).get(0).physicalOffset() / 512;
              long bEnd = (DaxFiles.extents(b).get(0).physicalOffset() + 4096) / 512;
              return new long[] {aStart, bEnd - aStart};
            });
    // One run from a's first block through b's block.
    daxfs("inject-error", image.toString(), "-B", "" + run[0], "-n", "" + run[1]).succeeds();

    JsonNode n = daxfs("list", "-M", image.toString()).succeeds().json();
    JsonNode lost = n.get("badblocks").get(0).get("files");

    assertThat(lost)
        .extracting(f -> f.get("path").asText() + " " + f.get("offset").asLong())
        .contains("/a 0", "/b 0");
    List<FileRange> aLost = onImage(image, fs -> DaxFiles.badRanges(fs.getPath("/a")));
    assertThat(aLost).contains(new FileRange(0, 4096));
  }

  @Test
  void injectErrorListsAtOnceOrWithNoNotifyLeavesThePoisonLatent() throws IOException {
    Path image = newImage("pmem0.img");

    JsonNode after =
        daxfs("inject-error", image.toString(), "-B", "100", "-n", "4").succeeds().json();
    daxfs("inject-error", image.toString(), "--block", "200", "--count", "1", "--no-notify")
        .succeeds();

    assertThat(after.get("badblock_count").asInt()).isEqualTo(4);
    assertThat(after.get("badblocks").get(0).get("offset").asLong()).isEqualTo(100);
    assertThat(badblocks(image)).containsExactly(new BadBlock(100, 4));
    JsonNode status = daxfs("inject-error", image.toString(), "--status").succeeds().json();
    assertThat(status.get("badblocks"))
        .extracting(b -> b.get("block").asLong() + "+" + b.get("count").asLong())
        .containsExactly("100+4", "200+1");
  }

  @Test
  void uninjectRemovesThePoisonButNotTheListingAndWarnsSo() throws IOException {
    Path image = newImage("pmem0.img");
    daxfs("inject-error", image.toString(), "-B", "100", "-n", "4").succeeds();

    Result r = daxfs("inject-error", image.toString(), "-B", "100", "-n", "4", "--uninject");

    r.succeeds();
    assertThat(r.err()).contains("stay there until a write clears them");
    assertThat(r.json().get("badblock_count").asInt()).isEqualTo(4);
    assertThat(daxfs("inject-error", image.toString(), "-t").succeeds().out())
        .as("as ndctl: nothing injected, nothing printed")
        .isEmpty();
    assertThat(injected(image)).isEmpty();
  }

  @Test
  void injectErrorRefusesBadArgumentsWithNdctlsStatus() throws IOException {
    Path image = newImage("pmem0.img");
    String img = image.toString();
    long sectors = (16L << 20) / 512;

    daxfs("inject-error", img, "-B", "1", "-n", "-3").fails(EINVAL, "--count must be positive: -3");
    daxfs("inject-error", img, "-B", "1", "-n", "0").fails(EINVAL, "--count must be positive: 0");
    daxfs("inject-error", img, "-B", "-1", "-n", "1").fails(EINVAL, "--block must not be negative");
    daxfs("inject-error", img, "-B", "" + sectors, "-n", "1")
        .fails(EINVAL, "outside the device (" + sectors + " sectors)");
    daxfs("inject-error", img, "-B", "" + (sectors - 1), "-n", "2").fails(EINVAL, "outside");
    daxfs("inject-error", img, "-B", "1").fails(EINVAL, "--block and --count are required");
    daxfs("inject-error", img, "-t", "-B", "1").fails(EINVAL, "--status is invalid with");
    daxfs("inject-error", img, "-B", "x", "-n", "1").fails(USAGE, "'x' is not a long");
    daxfs("inject-error", img, "-B", "1", "-n", "1", "--bogus").fails(USAGE, "--bogus");
    assertThat(injected(image)).isEmpty();
  }

  @Test
  void aMissingImageADirectoryOrAnotherFileIsRefusedAndLeftAlone() throws IOException {
    Path missing = host.resolve("nothing.img");
    Path dir = Files.createDirectory(host.resolve("dir"));
    Path notAnImage = Files.writeString(host.resolve("notes.txt"), "hello");

    daxfs("list", missing.toString()).fails(ENOENT, missing + ": No such file or directory");
    daxfs("inject-error", dir.toString(), "-B", "1", "-n", "1").fails(EISDIR, "Is a directory");
    daxfs("start-scrub", notAnImage.toString())
        .fails(EUCLEAN, "daxfs start-scrub: " + notAnImage + ": ");
    assertThat(Files.readString(notAnImage)).isEqualTo("hello");
    assertThat(missing).doesNotExist();
  }

  @Test
  void aTruncatedImageIsRefusedAsCorruptAndNamesWhatIsWrong() throws IOException {
    Path image = newImage("pmem0.img");
    try (var ch = java.nio.channels.FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.truncate(100);
    }

    Result r = daxfs("list", image.toString());

    r.fails(EUCLEAN, "daxfs list: " + image + ": ");
    assertThat(r.err().lines()).as("one line, no stack trace").hasSize(1);
  }

  @Test
  void anImageInUseIsBusy() throws IOException {
    Path image = newImage("pmem0.img");

    onImage(
        image,
        fs -> {
          daxfs("inject-error", image.toString(), "-B", "1", "-n", "1")
              .fails(EBUSY, "Device or resource busy");
          return null;
        });

    assertThat(injected(image)).isEmpty();
  }

  @Test
  void startScrubFindsLatentPoisonAndNamesTheFilesItDestroyed() throws IOException {
    Path image = newImage("pmem0.img");
    long first = writeLog(image, new byte[8192]);
    daxfs("inject-error", image.toString(), "-B", "" + (first + 3), "-n", "1", "-N").succeeds();
    assertThat(daxfs("list", image.toString()).succeeds().json().has("badblock_count")).isFalse();

    JsonNode found = daxfs("start-scrub", image.toString()).succeeds().json();

    assertThat(found.get("found_count").asInt()).isEqualTo(1);
    JsonNode f = found.get("found").get(0);
    assertThat(f.get("offset").asLong()).isEqualTo(first + 3);
    assertThat(f.get("files").get(0).get("path").asText()).isEqualTo("/log");
    assertThat(f.get("files").get(0).get("offset").asLong()).isEqualTo(1536);
    assertThat(found.get("badblock_count").asInt()).isEqualTo(1);
    assertThat(daxfs("start-scrub", image.toString()).succeeds().json().get("found")).isEmpty();
    assertThat(badblocks(image)).containsExactly(new BadBlock(first + 3, 1));
  }

  @Test
  void clearErrorsZeroesTheBadSectorsAndSaysWhichBytesWereLost() throws IOException {
    Path image = newImage("pmem0.img");
    byte[] data = new byte[8192];
    new Random(7).nextBytes(data);
    long first = writeLog(image, data);
    daxfs("inject-error", image.toString(), "-B", "" + (first + 2), "-n", "1").succeeds();
    daxfs("inject-error", image.toString(), "-B", "" + (first + 12), "-n", "1", "-N").succeeds();

    Result r = daxfs("clear-errors", image.toString()).succeeds();

    assertThat(r.out())
        .contains("cleared 1 sectors in 1 badblocks by writing zeros through the driver")
        .contains("/log [1024, 1536) lost, now zeros");
    assertThat(badblocks(image)).isEmpty();
    byte[] expected = Arrays.copyOf(data, 4096);
    Arrays.fill(expected, 1024, 1536, (byte) 0);
    byte[] head =
        onImage(
            image,
            fs -> {
              try (InputStream in = Files.newInputStream(fs.getPath("/log"))) {
                return in.readNBytes(4096); // stops short of the latent poison
              }
            });
    assertThat(head).isEqualTo(expected);
    assertThat(injected(image))
        .as("latent poison is not listed, so not cleared")
        .containsExactly(new BadBlock(first + 12, 1));

    Result scrubbed = daxfs("clear-errors", "--scrub", image.toString()).succeeds();

    assertThat(scrubbed.out()).contains("/log [6144, 6656) lost, now zeros");
    assertThat(injected(image)).isEmpty();
    assertThat(daxfs("clear-errors", image.toString()).succeeds().out())
        .contains("no badblocks to clear");
  }
}
