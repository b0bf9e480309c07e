package daxfs.samples;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Memory-mapped data on pmem. A mapping is the file's own memory, so a load from a bad sector would
 * be a machine check, and Linux sends SIGBUS; a JVM cannot survive that, so daxfs refuses the
 * {@code map()} with a {@link MediaErrorException} instead, and tells {@link DaxFiles#onMediaError}
 * listeners about poison that appears under a mapping already in use.
 */
public final class MappedData implements Sample {
  private static final int SIZE = 4 * 4096;

  @Override
  public String title() {
    return "Mapped data: map() refuses poison, a repair makes it work, a listener tells of new poison";
  }

  @Override
  public void run(PrintStream out) throws Exception {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build())) {
      PmemDevice device = DaxFileSystems.device(fs);
      byte[] replica = new byte[SIZE];
      new Random(3).nextBytes(replica);
      Path index = fs.getPath("/index.bin");
      Files.write(index, replica);
      DaxFiles.injectError(index, 8192 + 100, 1);
      out.printf(
          "wrote %s (%d bytes, a copy kept as the replica) and injected an error at byte 8292%n",
          index, SIZE);

      try (FileChannel ch = FileChannel.open(index, READ, WRITE)) {
        MediaErrorException refused = null;
        try {
          ch.map(MapMode.READ_WRITE, 0, SIZE);
        } catch (MediaErrorException e) {
          refused = e;
          out.println(
              "map() fails where Linux would send SIGBUS on the first load: " + e.getMessage());
        }
        Check.that(refused != null, "mapping a range with a bad sector fails at map time");
        Check.that(refused.accessPath() == AccessPath.MMAP, "the error names the MMAP path");
        Check.that(
            refused.operation() == MediaErrorException.Operation.MAP,
            "the failed operation is MAP");

        FileRange repair = refused.recovery().range();
        rewriteDirect(index, repair, replica);
        out.printf(
            "rewrote %s from the replica through DIRECT; badblocks: %s%n",
            repair, device.badblocks());
        Check.that(device.badblocks().isEmpty(), "the DIRECT rewrite cleared the sector");

        MappedByteBuffer map = ch.map(MapMode.READ_WRITE, 0, SIZE);
        Check.that(
            map.getLong(8192) == ByteBuffer.wrap(replica).getLong(8192),
            "the mapping shows the repaired bytes");
        map.putLong(0, 0x5EED_CAFE_F00D_BEEFL);
        ByteBuffer eight = ByteBuffer.allocate(8);
        ch.read(eight, 0);
        long seen = eight.flip().getLong();
        out.printf(
            "map() works now; a putLong(0) through the mapping is what a channel read returns: %x%n",
            seen);
        Check.that(
            seen == 0x5EED_CAFE_F00D_BEEFL,
            "a store through the mapping is seen by a channel read");
        ByteBuffer.wrap(replica).putLong(0, seen); // keep the replica in step

        BlockingQueue<List<FileRange>> told = new LinkedBlockingQueue<>();
        AutoCloseable watch = DaxFiles.onMediaError(index, (file, lost) -> told.add(lost));
        try {
          DaxFiles.injectError(index, 12288 + 700, 1);
          List<FileRange> lost = told.poll(5, TimeUnit.SECONDS);
          out.printf(
              "new poison under the live mapping; onMediaError tells %s lost %s%n", index, lost);
          Check.that(
              List.of(new FileRange(12800, 512)).equals(lost),
              "the listener names the lost range [12800, 13312)");

          map.put(12800, replica, 12800, 512);
          out.printf(
              "storing the replica's bytes through the mapping does not clear it: badRanges %s%n",
              DaxFiles.badRanges(index));
          Check.that(
              DaxFiles.badRanges(index).equals(lost),
              "a store through a mapping never clears poison");

          rewriteDirect(index, lost.get(0), replica);
          out.printf(
              "rewrote %s through DIRECT instead: badblocks %s%n", lost.get(0), device.badblocks());
          Check.that(device.badblocks().isEmpty(), "the DIRECT rewrite cleared the sector");
        } finally {
          watch.close();
        }
        byte[] viaMap = new byte[SIZE];
        map.get(0, viaMap);
        Check.that(Arrays.equals(viaMap, replica), "the mapping and the replica agree");
        Check.that(
            Arrays.equals(Files.readAllBytes(index), replica),
            "the file reads back equal to the replica");
        out.println("the mapping, the file and the replica agree");
      }
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
