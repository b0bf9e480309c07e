package io.daxfs.device;

import static com.google.common.base.Preconditions.checkArgument;

import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The emulated pmem device: memory, sectors, and the three ways to reach them (DAX copies, the
 * block driver, zeroing), each checked against the badblocks under the configured model. It knows
 * nothing of files.
 */
public final class EmulatedPmem implements PmemDevice, Closeable {
  private final DeviceMemory memory;
  private final int sectorSize;
  private final MediaErrorModel model;

  private EmulatedPmem(DeviceMemory memory, int sectorSize, MediaErrorModel model) {
    this.memory = memory;
    this.sectorSize = sectorSize;
    this.model = model;
  }

  /** Creates a device as configured, its memory in the configured or default directory. */
  public static EmulatedPmem create(DaxConfiguration config) throws IOException {
    Path dir = config.memoryDirectory().orElseGet(EmulatedPmem::defaultMemoryDirectory);
    return new EmulatedPmem(
        DeviceMemory.create(config.deviceSize(), dir), config.sectorSize(), config.mediaErrorModel());
  }

  private static Path defaultMemoryDirectory() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  @Override
  public long size() {
    return memory.size();
  }

  @Override
  public int sectorSize() {
    return sectorSize;
  }

  @Override
  public MediaErrorModel mediaErrorModel() {
    return model;
  }

  @Override
  public long memoryUsed() {
    return memory.committedBytes();
  }

  /**
   * Copies {@code len} device bytes at {@code off} into {@code dst} at absolute index {@code
   * dstIndex} by {@code path}; does not move {@code dst}'s position.
   *
   * @throws MediaFault when the range meets a bad sector on a path where that fails
   */
  public void read(AccessPath path, long off, ByteBuffer dst, int dstIndex, int len) throws MediaFault {
    memory.read(off, dst, dstIndex, len);
  }

  /**
   * Copies {@code len} bytes of {@code src} from absolute index {@code srcIndex} to the device at
   * {@code off} by {@code path}; does not move {@code src}'s position.
   *
   * @throws MediaFault when the range meets a bad sector on a path where that fails; no byte was
   *     written beyond {@link MediaFault#bytesMoved()}
   */
  public void write(AccessPath path, long off, ByteBuffer src, int srcIndex, int len) throws MediaFault {
    memory.write(off, src, srcIndex, len);
  }

  /**
   * Zeroes {@code [off, off + len)} through the driver, as block allocation does.
   *
   * @throws IOException when the memory backing the device is full; nothing is then zeroed beyond
   *     what was committed
   */
  public void zero(long off, long len) throws IOException {
    checkArgument(off >= 0 && len >= 0 && off + len <= memory.size(), "range %s+%s outside device", off, len);
    memory.zero(off, len);
  }

  /** A mapping of {@code [off, off + len)} that aliases the device's memory. */
  public MappedByteBuffer map(MapMode mode, long off, long len) throws IOException {
    return memory.map(mode, off, len);
  }

  /** Frees the memory. Mappings of it become inaccessible. */
  @Override
  public void close() throws IOException {
    memory.close();
  }
}
