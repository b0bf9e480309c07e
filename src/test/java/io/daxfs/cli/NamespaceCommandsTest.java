package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The commands in ndctl's words: create-namespace, list, inject-error, clear-errors, start-scrub.
 */
class NamespaceCommandsTest extends CliHarness {
  @Test
  void createNamespacePrintsTheNewNamespaceAndRefusesAnExistingFile() {
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

    daxfs("create", image.toString()).fails(EEXIST, image + ": File exists");
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
    Path log = fs(image).getPath("/log");
    Files.write(log, new byte[3 * 4096]);
    long first = DaxFiles.extents(log).get(0).physicalOffset() / 512;
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
  void aBadblockOverAFragmentedFileNamesEachFileRangeOnIt() throws IOException {
    Path image = newImage("pmem0.img");
    Path a = fs(image).getPath("/a");
    Path b = fs(image).getPath("/b");
    Files.write(a, new byte[4096]);
    Files.write(b, new byte[4096]);
    Files.write(a, new byte[4096], java.nio.file.StandardOpenOption.APPEND); // a: two extents
    List<io.daxfs.FileExtent> ea = DaxFiles.extents(a);
    long aStart = ea.get(0).physicalOffset() / 512;
    long span = (DaxFiles.extents(b).get(0).physicalOffset() + 4096) / 512 - aStart;
    // One run from a's first block through b's block.
    daxfs("inject-error", image.toString(), "-B", "" + aStart, "-n", "" + span).succeeds();

    JsonNode files = daxfs("list", "-M", image.toString()).succeeds().json();
    JsonNode lost = files.get("badblocks").get(0).get("files");

    assertThat(lost)
        .extracting(f -> f.get("path").asText() + " " + f.get("offset").asLong())
        .contains("/a 0", "/b 0");
    assertThat(DaxFiles.badRanges(a)).contains(new FileRange(0, 4096));
  }

  @Test
  void injectErrorListsAtOnceOrWithNoNotifyLeavesThePoisonLatent() {
    Path image = newImage("pmem0.img");
    PmemDevice d = DaxFileSystems.device(fs(image));

    JsonNode after =
        daxfs("inject-error", image.toString(), "-B", "100", "-n", "4").succeeds().json();
    daxfs("inject-error", image.toString(), "--block", "200", "--count", "1", "--no-notify")
        .succeeds();

    assertThat(after.get("badblock_count").asInt()).isEqualTo(4);
    assertThat(after.get("badblocks").get(0).get("offset").asLong()).isEqualTo(100);
    assertThat(d.badblocks()).containsExactly(new BadBlock(100, 4));
    JsonNode status = daxfs("inject-error", image.toString(), "--status").succeeds().json();
    assertThat(status.get("badblocks"))
        .extracting(b -> b.get("block").asLong() + "+" + b.get("count").asLong())
        .containsExactly("100+4", "200+1");
  }

  @Test
  void uninjectRemovesThePoisonButNotTheListingAndWarnsSo() {
    Path image = newImage("pmem0.img");
    daxfs("inject-error", image.toString(), "-B", "100", "-n", "4").succeeds();

    Result r = daxfs("inject-error", image.toString(), "-B", "100", "-n", "4", "--uninject");

    r.succeeds();
    assertThat(r.err()).contains("stay there until a write clears them");
    assertThat(r.json().get("badblock_count").asInt()).isEqualTo(4);
    assertThat(daxfs("inject-error", image.toString(), "-t").succeeds().out())
        .as("as ndctl: nothing injected, nothing printed")
        .isEmpty();
  }

  @Test
  void injectErrorRefusesBadArgumentsWithNdctlsStatus() {
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
    assertThat(DaxFileSystems.device(fs(image)).injectedErrors()).isEmpty();
  }

  @Test
  void aMissingImageOrADirectoryIsRefusedBeforeAnythingIsTouched() throws IOException {
    Path missing = host.resolve("nothing.img");
    Path dir = Files.createDirectory(host.resolve("dir"));
    Path notAnImage = Files.writeString(host.resolve("notes.txt"), "hello");

    daxfs("list", missing.toString()).fails(ENOENT, missing + ": No such file or directory");
    daxfs("inject-error", dir.toString(), "-B", "1", "-n", "1").fails(EISDIR, "Is a directory");
    daxfs("start-scrub", notAnImage.toString()).fails(EIO, "not a daxfs image");
    assertThat(Files.readString(notAnImage)).isEqualTo("hello");
  }

  @Test
  void startScrubFindsLatentPoisonAndNamesTheFilesItDestroyed() throws IOException {
    Path image = newImage("pmem0.img");
    Path log = fs(image).getPath("/log");
    Files.write(log, new byte[8192]);
    long first = DaxFiles.extents(log).get(0).physicalOffset() / 512;
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
  }

  @Test
  void clearErrorsZeroesTheBadSectorsAndSaysWhichBytesWereLost() throws IOException {
    Path image = newImage("pmem0.img");
    Path log = fs(image).getPath("/log");
    byte[] data = new byte[8192];
    new Random(7).nextBytes(data);
    Files.write(log, data);
    long first = DaxFiles.extents(log).get(0).physicalOffset() / 512;
    daxfs("inject-error", image.toString(), "-B", "" + (first + 2), "-n", "1").succeeds();
    daxfs("inject-error", image.toString(), "-B", "" + (first + 12), "-n", "1", "-N").succeeds();

    Result r = daxfs("clear-errors", image.toString()).succeeds();

    assertThat(r.out())
        .contains("cleared 1 sectors in 1 badblocks by writing zeros through the driver")
        .contains("/log [1024, 1536) lost, now zeros");
    assertThat(DaxFileSystems.device(fs(image)).badblocks()).isEmpty();
    byte[] expected = data.clone();
    Arrays.fill(expected, 1024, 1536, (byte) 0);
    try (var in = Files.newInputStream(log)) {
      assertThat(in.readNBytes(4096)).isEqualTo(Arrays.copyOf(expected, 4096));
    }
    assertThat(DaxFileSystems.device(fs(image)).injectedErrors())
        .as("latent poison is not listed, so not cleared")
        .containsExactly(new BadBlock(first + 12, 1));

    Result scrubbed = daxfs("clear-errors", "--scrub", image.toString()).succeeds();

    assertThat(scrubbed.out()).contains("/log [6144, 6656) lost, now zeros");
    assertThat(DaxFileSystems.device(fs(image)).injectedErrors()).isEmpty();
    assertThat(daxfs("clear-errors", image.toString()).succeeds().out())
        .contains("no badblocks to clear");
  }
}
