package daxfs.samples;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.BadBlock;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import io.daxfs.Recovery;
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
 * The repair the 2016 thread expects of an application: it meets EIO, learns which bytes of its
 * file are lost, and writes exactly those sectors again, whole, through the block driver ({@code
 * ExtendedOpenOption.DIRECT}), from a replica. The default model, {@code DIRECT_BYPASS}.
 */
public final class RewriteLostSectors implements Sample {
  @Override
  public String title() {
    return "Rewrite lost sectors: EIO on read, find the lost bytes, rewrite them through DIRECT";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    DaxConfiguration config = DaxConfiguration.builder().deviceSize(16 << 20).build();
    try (FileSystem fs = DaxFileSystems.newFileSystem(config);
        FileSystem replicaFs = DaxFileSystems.newFileSystem(config)) {
      PmemDevice device = DaxFileSystems.device(fs);
      byte[] orders = new byte[3 * 4096];
      new Random(1).nextBytes(orders);
      Files.write(fs.getPath("/customers.db"), new byte[5 * 4096]);
      Path file = fs.getPath("/orders.db");
      Path replica = replicaFs.getPath("/orders.db");
      Files.write(file, orders);
      Files.write(replica, orders);
      out.printf(
          "wrote %s (%d bytes) after /customers.db, and the same bytes to a replica on another device%n",
          file, orders.length);

      DaxFiles.injectError(file, 5000, 100);
      List<BadBlock> badblocks = device.badblocks();
      out.printf(
          "injected a media error behind file bytes [5000, 5100); the device's badblocks"
              + " (first sector, count): %s%n",
          badblocks);
      Check.that(
          badblocks.size() == 1 && badblocks.get(0).count() == 1,
          "the error covers one whole sector");

      MediaErrorException eio = null;
      try {
        Files.readAllBytes(file);
      } catch (MediaErrorException e) {
        eio = e;
        out.println("reading the file fails: " + e.getMessage());
      }
      Check.that(eio != null, "reading over the bad sector fails");
      Check.that(
          MediaErrorException.REASON.equals(eio.getReason()),
          "the failure is EIO, \"Input/output error\"");
      Check.that(
          eio.recovery().kind() == Recovery.Kind.REWRITE_DIRECT,
          "the repair offered is a DIRECT rewrite");

      // What the thread describes by hand: bad sector -> device byte -> file byte, through FIEMAP.
      int sectorSize = device.sectorSize();
      long badByte = badblocks.get(0).startByte(sectorSize);
      List<FileExtent> extents = DaxFiles.extents(file);
      Check.that(extents.size() == 1, "the file is one extent");
      FileExtent extent = extents.get(0);
      long fileByte = badByte - extent.physicalOffset() + extent.logicalOffset();
      out.printf(
          "sector %d is device byte %d; FIEMAP maps file bytes %s to device bytes from %d,"
              + " so it is file byte %d - %d + %d = %d%n",
          badblocks.get(0).startSector(),
          badByte,
          extent.fileRange(),
          extent.physicalOffset(),
          badByte,
          extent.physicalOffset(),
          extent.logicalOffset(),
          fileByte);
      List<FileRange> lost = DaxFiles.badRanges(file);
      out.printf("DaxFiles.badRanges does that translation: lost %s%n", lost);
      Check.that(
          lost.equals(List.of(new FileRange(4608, 512))),
          "the lost range is the whole sector [4608, 5120)");
      Check.that(fileByte == 4608, "the translation by hand agrees");

      try (FileChannel ch = FileChannel.open(file, WRITE)) {
        ch.write(ByteBuffer.wrap(orders, 4608, 512), 4608);
        Check.that(false, "a plain write over the bad sector fails");
      } catch (MediaErrorException e) {
        out.printf(
            "a plain write of those bytes fails too (%s): the DAX path never clears poison%n",
            e.getReason());
      }

      // DIRECT wants position, length and buffer address aligned, as the JDK reports through the
      // store.
      int align = (int) Files.getFileStore(file).getBlockSize();
      try (FileChannel from = FileChannel.open(replica, READ);
          FileChannel to = FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT)) {
        for (FileRange r : lost) {
          ByteBuffer buf = ByteBuffer.allocateDirect((int) r.length() + align).alignedSlice(align);
          buf.limit((int) r.length());
          while (buf.hasRemaining() && from.read(buf, r.offset() + buf.position()) >= 0) {
            // read the replica's copy of the range
          }
          buf.flip();
          int written = to.write(buf, r.offset());
          out.printf(
              "rewrote %s from the replica through ExtendedOpenOption.DIRECT (%d-byte aligned): %d bytes%n",
              r, align, written);
          Check.that(written == r.length(), "the DIRECT write covers the whole range");
        }
      }

      byte[] back = Files.readAllBytes(file);
      Check.that(Arrays.equals(back, orders), "the file reads back whole and equal to the replica");
      out.printf(
          "the file reads cleanly again (%d bytes, equal to the replica); badblocks: %s%n",
          back.length, device.badblocks());
      Check.that(device.badblocks().isEmpty(), "the badblocks list is empty");
      Check.that(DaxFiles.badRanges(file).isEmpty(), "no file range is lost");
    }
  }
}
