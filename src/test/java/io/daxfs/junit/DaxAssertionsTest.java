package io.daxfs.junit;

// Both assertThat imports on purpose: the daxfs one must not make AssertJ's ambiguous.
import static io.daxfs.junit.DaxAssertions.assertThat;
import static io.daxfs.junit.DaxAssertions.assertThatDaxFile;
import static io.daxfs.junit.DaxAssertions.assertThatMediaErrorThrownBy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxfs.AccessPath;
import io.daxfs.BadBlock;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorException.Operation;
import io.daxfs.Recovery;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DaxTest(deviceSize = "16m")
class DaxAssertionsTest {
  @DaxInject FileSystem fs;
  Path data;
  long sector; // the device sector behind byte 4608 of /data

  @BeforeEach
  void createData() throws IOException {
    data = fs.getPath("/data");
    Files.write(data, new byte[16384]);
    List<FileExtent> extents = DaxFiles.extents(data);
    assertThat(extents).hasSize(1);
    sector = (extents.get(0).physicalOffset() + 4608) / 512;
  }

  private MediaErrorException readError() throws IOException {
    DaxFiles.injectError(data, 4608, 512);
    try {
      Files.readAllBytes(data);
    } catch (MediaErrorException e) {
      return e;
    }
    throw new AssertionError("read did not fail");
  }

  // ---------------------------------------------------------------- MediaErrorException

  @Test
  void mediaErrorAssertionsPassOnMatchingMetadata() throws IOException {
    MediaErrorException e = readError();
    assertThat(e)
        .hasBadRange(new FileRange(4608, 512))
        .hasBadRanges(new FileRange(4608, 512))
        .hasBadRangeCovering(4608)
        .hasBadRangeCovering(5119)
        .hasAccessPath(AccessPath.DAX)
        .hasOperation(Operation.READ)
        .hasPosition(e.position())
        .hasRecovery(Recovery.Kind.REWRITE_DIRECT)
        .hasRecoveryRange(new FileRange(4608, 512))
        .hasBadBlock(new BadBlock(sector, 1))
        .hasMessageContaining(
            "Input/output error"); // AssertJ's own throwable assertions still apply
  }

  /** A fixed exception, so that messages can be checked exactly. */
  private static final MediaErrorException FIXED =
      new MediaErrorException(
          "/data",
          Operation.READ,
          4096,
          List.of(new FileRange(4608, 512), new FileRange(8192, 1024)),
          List.of(new BadBlock(1009, 1), new BadBlock(1024, 2)),
          AccessPath.DAX,
          new Recovery(Recovery.Kind.REWRITE_DIRECT, new FileRange(4608, 512)));

  private static final String FIXED_METADATA =
      "  operation: READ at 4096 on the DAX path\n"
          + "  bad ranges: [[4608, 5120), [8192, 9216)]\n"
          + "  bad blocks: [1009 1, 1024 2]\n"
          + "  recovery: REWRITE_DIRECT over [4608, 5120)";

  @Test
  void mediaErrorAssertionsFailShowingTheActualMetadata() {
    assertFails(
        () -> assertThat(FIXED).hasBadRange(new FileRange(0, 512)),
        "Expecting media error on /data to have bad range [0, 512) but it has [[4608, 5120), [8192, 9216)]\n"
            + FIXED_METADATA);
    assertFails(
        () -> assertThat(FIXED).hasBadRanges(new FileRange(4608, 512)),
        "Expecting media error on /data to have exactly the bad ranges [[4608, 5120)] but it has [[4608, 5120), [8192, 9216)]");
    assertFails(
        () -> assertThat(FIXED).hasBadRangeCovering(5120),
        "to have a bad range covering byte 5120 but it has [[4608, 5120), [8192, 9216)]");
    assertFails(
        () -> assertThat(FIXED).hasAccessPath(AccessPath.MMAP),
        "to have access path MMAP but it has DAX\n");
    assertFails(
        () -> assertThat(FIXED).hasOperation(Operation.WRITE),
        "to have operation WRITE but it has READ\n");
    assertFails(() -> assertThat(FIXED).hasPosition(0), "to have position 0 but it has 4096\n");
    assertFails(
        () -> assertThat(FIXED).hasRecovery(Recovery.Kind.REALLOCATE),
        "to have recovery REALLOCATE but it has REWRITE_DIRECT\n" + FIXED_METADATA);
    assertFails(
        () -> assertThat(FIXED).hasRecoveryRange(new FileRange(4096, 4096)),
        "to have recovery range [4096, 8192) but it has [4608, 5120)\n");
    assertFails(
        () -> assertThat(FIXED).hasBadBlock(new BadBlock(1009, 2)),
        "to have bad block 1009 2 but it has [1009 1, 1024 2]\n" + FIXED_METADATA);
    assertFails(
        () -> assertThat((MediaErrorException) null).hasPosition(0),
        "Expecting actual not to be null");
  }

  @Test
  void mediaErrorThrownBy() throws IOException {
    DaxFiles.injectError(data, 4608, 512);
    assertThatMediaErrorThrownBy(() -> Files.readAllBytes(data))
        .hasBadRanges(new FileRange(4608, 512));
    assertFails(() -> assertThatMediaErrorThrownBy(() -> {}), "but it threw nothing");
    assertFails(
        () -> assertThatMediaErrorThrownBy(() -> Files.readAllBytes(fs.getPath("/missing"))),
        "but it threw java.nio.file.NoSuchFileException: /missing");
  }

  // ---------------------------------------------------------------- files

  @Test
  void fileAssertionsPassOnMatchingMetadata() throws IOException {
    assertThatDaxFile(data)
        .exists()
        .hasNoBadRanges()
        .hasBadRanges()
        .hasExtentCount(1)
        .isContiguous();
    DaxFiles.injectError(data, 4608, 1);
    DaxFiles.injectError(data, 0, 512);
    assertThatDaxFile(data).hasBadRanges(new FileRange(0, 512), new FileRange(4608, 512));
    Path empty = Files.createFile(fs.getPath("/empty"));
    assertThatDaxFile(empty).hasNoBadRanges().hasExtentCount(0).isContiguous();
  }

  @Test
  void fileAssertionsFailShowingBadRangesAndSectors() throws IOException {
    DaxFiles.injectError(data, 4608, 512);
    DaxFiles.injectError(data, 5120, 512); // merged with the first, in the file and on the device
    String actual = "[[4608, 5632)] on sectors [" + sector + " 2]";
    assertFails(
        () -> assertThatDaxFile(data).hasNoBadRanges(),
        "Expecting /data to have no bad ranges but it has " + actual);
    assertFails(
        () -> assertThatDaxFile(data).hasBadRanges(new FileRange(4608, 512)),
        "Expecting /data to have exactly the bad ranges [[4608, 5120)] but it has " + actual);
    Path healthy = Files.write(fs.getPath("/healthy"), new byte[10]);
    assertFails(
        () -> assertThatDaxFile(healthy).hasBadRanges(new FileRange(0, 512)),
        "Expecting /healthy to have exactly the bad ranges [[0, 512)] but it has none");
  }

  @Test
  void fileAssertionsFailShowingExtents() throws IOException {
    // /a, then /b right after it, then more of /a: its second block cannot follow its first.
    Path a = Files.write(fs.getPath("/a"), new byte[4096]);
    Files.write(fs.getPath("/b"), new byte[4096]);
    Files.write(a, new byte[4096], StandardOpenOption.APPEND);
    List<FileExtent> extents = DaxFiles.extents(a);
    assertThat(extents).hasSize(2);
    String shown =
        "[file [0, 4096) at device "
            + new FileRange(extents.get(0).physicalOffset(), 4096)
            + ", file [4096, 8192) at device "
            + new FileRange(extents.get(1).physicalOffset(), 4096)
            + "]";

    assertThatDaxFile(a).hasExtentCount(2);
    assertFails(
        () -> assertThatDaxFile(a).isContiguous(),
        "Expecting /a to be contiguous but it has 2 extents: " + shown);
    assertFails(
        () -> assertThatDaxFile(a).hasExtentCount(1),
        "Expecting /a to have 1 extent but it has 2: " + shown);
  }

  @Test
  void fileAssertionsFailOnWhatIsNotADaxFile(@TempDir Path tmp) throws IOException {
    assertFails(
        () -> assertThatDaxFile(fs.getPath("/missing")).hasNoBadRanges(),
        "Expecting /missing to be a regular file of a daxfs filesystem but: java.nio.file.NoSuchFileException");
    assertFails(
        () -> assertThatDaxFile(Files.createDirectory(fs.getPath("/dir"))).isContiguous(),
        "Expecting /dir to be a regular file of a daxfs filesystem");
    Path local = Files.write(tmp.resolve("local"), new byte[1]);
    assertFails(
        () -> assertThatDaxFile(local).hasExtentCount(1),
        "to be a regular file of a daxfs filesystem but: java.nio.file.ProviderMismatchException");
    assertFails(() -> assertThatDaxFile(null).hasNoBadRanges(), "Expecting actual not to be null");
  }

  private static void assertFails(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable assertion, String message) {
    assertThatThrownBy(assertion).isInstanceOf(AssertionError.class).hasMessageContaining(message);
  }
}
