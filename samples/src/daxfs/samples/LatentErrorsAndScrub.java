package daxfs.samples;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Latent errors: poisoned media the device has not listed yet ({@code ndctl inject-error
 * --no-notify}). The first read that consumes the poison stops there (a short count) and lists it,
 * so the next read meets EIO; or a scrub (address range scrub) lists it before any program touches
 * it, and a program that checks its files' bad ranges repairs them before anyone meets EIO.
 */
public final class LatentErrorsAndScrub implements Sample {
  @Override
  public String title() {
    return "Latent errors: found by a read (short count, then EIO) or by a scrub before any read";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build())) {
      PmemDevice device = DaxFileSystems.device(fs);
      byte[] journalData = new byte[3 * 4096];
      byte[] archiveData = new byte[2 * 4096];
      new Random(4).nextBytes(journalData);
      new Random(5).nextBytes(archiveData);
      Path journal = fs.getPath("/journal");
      Path archive = fs.getPath("/archive");
      Files.write(journal, journalData);
      Files.write(archive, archiveData);
      DaxFiles.injectLatentError(journal, 6000, 1);
      DaxFiles.injectLatentError(archive, 1000, 1);
      out.printf(
          "wrote %s and %s, then poisoned a sector of each without listing it; badblocks: %s%n",
          journal, archive, device.badblocks());
      Check.that(device.badblocks().isEmpty(), "latent poison is not listed");

      // 1. Found by a read.
      try (FileChannel ch = FileChannel.open(journal, READ)) {
        ByteBuffer buf = ByteBuffer.allocate(journalData.length);
        int n = ch.read(buf, 0);
        out.printf(
            "a read of all %d bytes of %s returns %d: the copy stopped at the poison%n",
            journalData.length, journal, n);
        Check.that(n == 5632, "the read stops at the start of the poisoned sector, byte 5632");
        Check.that(
            Arrays.equals(Arrays.copyOf(buf.array(), n), Arrays.copyOf(journalData, n)),
            "the bytes before the poison are returned intact");
        out.printf(
            "the read listed the poison: badblocks %s, %s lost %s%n",
            device.badblocks(), journal, DaxFiles.badRanges(journal));
        Check.that(
            DaxFiles.badRanges(journal).equals(List.of(new FileRange(5632, 512))),
            "the journal's lost range is known now");
        try {
          ch.read(buf, n);
          Check.that(false, "the next read, at the poison, fails");
        } catch (MediaErrorException e) {
          out.println("the next read fails: " + e.getMessage());
        }
      }
      rewriteDirect(journal, new FileRange(5632, 512), journalData);
      Check.that(
          Arrays.equals(Files.readAllBytes(journal), journalData),
          "the repaired journal reads back whole");
      out.printf("rewrote [5632, 6144) of %s through DIRECT; it reads cleanly again%n", journal);

      // 2. Found by a scrub, before any program read the file.
      Check.that(DaxFiles.badRanges(archive).isEmpty(), "the archive's poison is still latent");
      List<BadBlock> found = device.scrub();
      List<FileRange> lost = DaxFiles.badRanges(archive);
      out.printf(
          "scrub() found %s; DaxFiles.badRanges now shows %s lost %s, before any read%n",
          found, archive, lost);
      Check.that(
          found.size() == 1 && found.get(0).count() == 1, "the scrub found the one latent sector");
      Check.that(
          lost.equals(List.of(new FileRange(512, 512))), "the archive's lost range is [512, 1024)");
      for (FileRange r : lost) {
        rewriteDirect(archive, r, archiveData);
        out.printf(
            "rewrote %s of %s through DIRECT before anyone met EIO; badblocks: %s%n",
            r, archive, device.badblocks());
      }
      Check.that(device.badblocks().isEmpty(), "the DIRECT rewrite cleared the sector");
      Check.that(
          Arrays.equals(Files.readAllBytes(archive), archiveData), "the archive reads back whole");
    }
  }

  /**
   * Writes {@code r} of {@code source} to the file through the block driver, from an aligned
   * buffer.
   */
  private static void rewriteDirect(Path file, FileRange r, byte[] source) throws IOException {
    int align = (int) Files.getFileStore(file).getBlockSize();
    ByteBuffer buf = ByteBuffer.allocateDirect((int) r.length() + align).alignedSlice(align);
    buf.put(source, (int) r.offset(), (int) r.length()).flip();
    try (FileChannel ch = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
      while (buf.hasRemaining()) {
        ch.write(buf, r.offset() + buf.position());
      }
    }
  }
}
