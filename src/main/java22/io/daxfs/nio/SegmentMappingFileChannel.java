package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import io.daxfs.AccessPath;
import io.daxfs.MediaErrorException;
import io.daxfs.device.EmulatedPmem;
import io.daxfs.fs.Directory;
import io.daxfs.fs.RegularFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.util.function.Predicate;

/**
 * A daxfs file channel with {@link #map(MapMode, long, long, Arena)}: what a daxfs channel is on
 * JDK 22 and later. Only in the jar's {@code META-INF/versions/22} tree; {@link DaxFileChannel}
 * finds it by name.
 */
final class SegmentMappingFileChannel extends DaxFileChannel {
  SegmentMappingFileChannel(
      DaxFileSystem fs, Directory base, DaxPath path, RegularFile file, OpenOptions options) {
    super(fs, base, path, file, options);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The segment is the file's own memory on the device, as for {@link #map(MapMode, long,
   * long)}, whose rules hold here too: stores are seen by channel reads and other mappings at once;
   * {@code PRIVATE} is copy-on-write; holes get blocks; a fragmented range is first moved to
   * contiguous blocks; {@code READ_WRITE} past the end grows the file; sizes above 2 GiB are fine.
   * The blocks under the segment never move and never go to another file until the arena is closed
   * (or, for an automatic arena, collected), even after truncate or delete or the filesystem's
   * close. The segment stays valid after this channel is closed. The JEP 352 {@code *_SYNC} modes
   * map as their plain twins: a daxfs file is DAX.
   *
   * @throws MediaErrorException with {@link AccessPath#MMAP} if a sector of the range is bad
   * @throws IllegalStateException if {@code arena} is closed
   * @throws WrongThreadException if {@code arena} is confined to another thread
   * @throws NonReadableChannelException if the channel was not opened for reading
   * @throws NonWritableChannelException if {@code mode} writes and the channel was not opened for
   *     writing
   * @throws UnsupportedOperationException for an implementation-specific mode other than JEP 352's
   */
  @Override
  public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
    // The JDK's own order of checks: arguments and arena first, then the channel.
    requireNonNull(mode, "Mode is null");
    requireNonNull(arena, "Arena is null");
    if (!arena.scope().isAlive()) {
      throw new IllegalStateException("Already closed");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("Requested bytes offset must be >= 0.");
    }
    if (size < 0) {
      throw new IllegalArgumentException("Requested bytes size must be >= 0.");
    }
    ensureOpen();
    if (offset + size < 0) {
      throw new IllegalArgumentException("Position + size overflow");
    }
    MapMode plain = checkMapMode(mode);
    ArenaMapper mapper = new ArenaMapper(plain, arena);
    checkInterrupt();
    // Before any block is touched, so that an arena closed or of another thread changes nothing.
    file().checkArena(mapper);
    return mapWith(
        plain,
        offset,
        size,
        (device, off, len, release) -> device.mapSegment(off, len, mapper, release));
  }

  /** Maps device ranges into one arena through the JDK's own map of the device's backing file. */
  private static final class ArenaMapper implements EmulatedPmem.SegmentMapper<MemorySegment> {
    /** Holds no arena: trackers keep it, and must not keep automatic arenas alive. */
    private static final Predicate<Object> SCOPE_ALIVE =
        scope -> ((MemorySegment.Scope) scope).isAlive();

    private final MapMode mode;
    private final Arena arena;

    ArenaMapper(MapMode mode, Arena arena) {
      this.mode = mode;
      this.arena = arena;
    }

    @Override
    public MemorySegment map(FileChannel backing, long off, long len) throws IOException {
      return backing.map(mode, off, len, arena);
    }

    @Override
    public Object scopeOf(MemorySegment mapping) {
      return mapping.scope();
    }

    @Override
    public Predicate<Object> scopeAlive() {
      return SCOPE_ALIVE;
    }
  }
}
