package io.daxfs.nio;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/**
 * The one store of a daxfs filesystem: its device. Space figures come from the block allocator; the
 * block size is the device's sector size, the unit of DIRECT alignment.
 */
final class DaxFileStore extends FileStore {
  private final DaxFileSystem fs;

  DaxFileStore(DaxFileSystem fs) {
    this.fs = fs;
  }

  @Override
  public String name() {
    return fs.name();
  }

  @Override
  public String type() {
    return "daxfs";
  }

  @Override
  public boolean isReadOnly() {
    return fs.volume().isReadOnly();
  }

  @Override
  public long getTotalSpace() throws IOException {
    fs.checkOpen();
    return fs.volume().totalBytes();
  }

  @Override
  public long getUsableSpace() throws IOException {
    fs.checkOpen();
    return fs.volume().freeBytes();
  }

  @Override
  public long getUnallocatedSpace() throws IOException {
    fs.checkOpen();
    return fs.volume().freeBytes();
  }

  /** The device's logical sector size: what {@code O_DIRECT} I/O must be aligned to. */
  @Override
  public long getBlockSize() throws IOException {
    fs.checkOpen();
    return fs.configuration().sectorSize();
  }

  @Override
  public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
    requireNonNull(type, "type");
    fs.checkOpen();
    return type == BasicFileAttributeView.class
        || type == PosixFileAttributeView.class
        || type == FileOwnerAttributeView.class;
  }

  @Override
  public boolean supportsFileAttributeView(String name) {
    requireNonNull(name, "name");
    fs.checkOpen();
    return AttributeService.SUPPORTED_VIEWS.contains(requireNonNull(name, "name"));
  }

  @Override
  public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
    requireNonNull(type, "type");
    return null;
  }

  /** Supports {@code totalSpace}, {@code usableSpace} and {@code unallocatedSpace}. */
  @Override
  public Object getAttribute(String attribute) throws IOException {
    switch (requireNonNull(attribute, "attribute")) {
      case "totalSpace":
        return getTotalSpace();
      case "usableSpace":
        return getUsableSpace();
      case "unallocatedSpace":
        return getUnallocatedSpace();
      default:
        throw new UnsupportedOperationException("'" + attribute + "' not recognized");
    }
  }

  @Override
  public String toString() {
    return "/ (" + fs.name() + ")";
  }
}
