package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Once a daxfs filesystem is closed, everything reached through it fails as it does on a closed
 * Jimfs filesystem: paths, attribute views and directory streams obtained before the close,
 * channels, the file store and the user-principal lookup service.
 */
class ClosedFileSystemTest {
  /** Things obtained while the filesystem was open, used after it closed. */
  private record Before(
      FileSystem fs,
      Path dir,
      Path file,
      Path relative,
      GroupPrincipal group,
      BasicFileAttributeView basicView,
      PosixFileAttributeView posixView,
      FileOwnerAttributeView ownerView,
      DirectoryStream<Path> unusedStream,
      Iterator<Path> iterator,
      SecureDirectoryStream<Path> secureStream,
      BasicFileAttributeView streamView,
      SeekableByteChannel channel,
      FileStore store,
      UserPrincipalLookupService lookup) {}

  @FunctionalInterface
  interface Op {
    Object run(Before b) throws Exception;
  }

  private static Before prepareAndClose(FileSystem fs) throws IOException {
    Path dir = Files.createDirectory(fs.getPath("/d"));
    Path file = Files.write(dir.resolve("f"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("g"), new byte[] {4});
    Files.createDirectory(dir.resolve("sub"));
    DirectoryStream<Path> iterated = Files.newDirectoryStream(dir);
    Iterator<Path> iterator = iterated.iterator();
    iterator.next();
    SecureDirectoryStream<Path> secure =
        (SecureDirectoryStream<Path>) Files.newDirectoryStream(dir);
    Before b =
        new Before(
            fs,
            dir,
            file,
            fs.getPath("x"),
            Files.readAttributes(file, PosixFileAttributes.class).group(),
            Files.getFileAttributeView(file, BasicFileAttributeView.class),
            Files.getFileAttributeView(file, PosixFileAttributeView.class),
            Files.getFileAttributeView(file, FileOwnerAttributeView.class),
            Files.newDirectoryStream(dir),
            iterator,
            secure,
            secure.getFileAttributeView(BasicFileAttributeView.class),
            Files.newByteChannel(file, READ, WRITE),
            Files.getFileStore(file),
            fs.getUserPrincipalLookupService());
    fs.close();
    return b;
  }

  private static Map<String, Op> operations() {
    Map<String, Op> ops = new LinkedHashMap<>();
    // the filesystem
    ops.put("isOpen", b -> b.fs.isOpen());
    ops.put(
        "close again",
        b -> {
          b.fs.close();
          return "closed";
        });
    ops.put("getPath", b -> b.fs.getPath("/x"));
    ops.put("getRootDirectories", b -> b.fs.getRootDirectories());
    ops.put("getFileStores", b -> b.fs.getFileStores());
    ops.put("getPathMatcher", b -> b.fs.getPathMatcher("glob:*").matches(b.file.getFileName()));
    ops.put("getUserPrincipalLookupService", b -> b.fs.getUserPrincipalLookupService());
    ops.put(
        "supportedFileAttributeViews", b -> b.fs.supportedFileAttributeViews().contains("basic"));
    // paths
    ops.put(
        "resolve, relativize, normalize",
        b -> b.dir.resolve("x/../y").normalize() + " " + b.dir.relativize(b.file));
    ops.put("toAbsolutePath", b -> b.relative.toAbsolutePath());
    ops.put("toAbsolutePath of an absolute path", b -> b.file.toAbsolutePath());
    ops.put("toRealPath", b -> b.file.toRealPath());
    ops.put("toUri", b -> b.file.toUri().getPath());
    ops.put(
        "compareTo and equals",
        b -> b.file.compareTo(b.dir) > 0 && b.file.equals(b.dir.resolve("f")));
    // Files on paths
    ops.put("exists", b -> Files.exists(b.file));
    ops.put("notExists", b -> Files.notExists(b.file));
    ops.put("isDirectory", b -> Files.isDirectory(b.dir));
    ops.put("isRegularFile", b -> Files.isRegularFile(b.file));
    ops.put("isReadable", b -> Files.isReadable(b.file));
    ops.put("isHidden", b -> Files.isHidden(b.file));
    ops.put("isSameFile", b -> Files.isSameFile(b.file, b.dir.resolve("g")));
    ops.put("isSameFile of equal paths", b -> Files.isSameFile(b.file, b.file));
    ops.put("size", b -> Files.size(b.file));
    ops.put("readAttributes", b -> Files.readAttributes(b.file, BasicFileAttributes.class).size());
    ops.put("readAttributes by name", b -> Files.readAttributes(b.file, "size"));
    ops.put("getAttribute", b -> Files.getAttribute(b.file, "posix:permissions"));
    ops.put(
        "setAttribute",
        b -> Files.setAttribute(b.file, "lastModifiedTime", FileTime.fromMillis(0)));
    ops.put(
        "getFileAttributeView",
        b -> Files.getFileAttributeView(b.file, BasicFileAttributeView.class) != null);
    ops.put(
        "getFileAttributeView then read",
        b ->
            Files.getFileAttributeView(b.file, BasicFileAttributeView.class)
                .readAttributes()
                .size());
    ops.put("getFileStore", b -> Files.getFileStore(b.file));
    ops.put("getLastModifiedTime", b -> Files.getLastModifiedTime(b.file));
    ops.put("getOwner", b -> Files.getOwner(b.file));
    ops.put("getPosixFilePermissions", b -> Files.getPosixFilePermissions(b.file));
    ops.put("readAllBytes", b -> Files.readAllBytes(b.file));
    ops.put("write", b -> Files.write(b.file, new byte[1]));
    ops.put("newByteChannel", b -> Files.newByteChannel(b.file));
    ops.put("FileChannel.open", b -> FileChannel.open(b.file, READ));
    ops.put("FileChannel.open of a directory", b -> FileChannel.open(b.dir, READ));
    ops.put("AsynchronousFileChannel.open", b -> AsynchronousFileChannel.open(b.file, READ));
    ops.put("newInputStream", b -> Files.newInputStream(b.file));
    ops.put("newOutputStream", b -> Files.newOutputStream(b.file));
    ops.put("newDirectoryStream", b -> Files.newDirectoryStream(b.dir));
    ops.put("list", b -> Files.list(b.dir));
    ops.put("walk", b -> Files.walk(b.dir));
    ops.put("createFile", b -> Files.createFile(b.dir.resolve("n")));
    ops.put("createDirectory", b -> Files.createDirectory(b.dir.resolve("n")));
    ops.put("createDirectories", b -> Files.createDirectories(b.dir.resolve("n/m")));
    ops.put("createSymbolicLink", b -> Files.createSymbolicLink(b.dir.resolve("n"), b.file));
    ops.put("createLink", b -> Files.createLink(b.dir.resolve("n"), b.file));
    ops.put("readSymbolicLink", b -> Files.readSymbolicLink(b.file));
    ops.put(
        "delete",
        b -> {
          Files.delete(b.file);
          return "deleted";
        });
    ops.put("deleteIfExists", b -> Files.deleteIfExists(b.file));
    ops.put("copy", b -> Files.copy(b.file, b.dir.resolve("n")));
    ops.put(
        "copy to another filesystem",
        b -> {
          try (FileSystem other = Jimfs.newFileSystem()) {
            return Files.copy(b.file, other.getPath("/n"));
          }
        });
    ops.put("move", b -> Files.move(b.file, b.dir.resolve("n"), StandardCopyOption.ATOMIC_MOVE));
    ops.put(
        "setPosixFilePermissions",
        b -> Files.setPosixFilePermissions(b.file, PosixFilePermissions.fromString("rw-------")));
    // attribute views obtained before the close
    ops.put("basic view: name", b -> b.basicView.name());
    ops.put("basic view: readAttributes", b -> b.basicView.readAttributes().size());
    ops.put(
        "basic view: setTimes",
        b -> {
          b.basicView.setTimes(FileTime.fromMillis(0), null, null);
          return "set";
        });
    ops.put("posix view: readAttributes", b -> b.posixView.readAttributes().permissions());
    ops.put(
        "posix view: setPermissions",
        b -> {
          b.posixView.setPermissions(PosixFilePermissions.fromString("rw-------"));
          return "set";
        });
    ops.put(
        "posix view: setGroup",
        b -> {
          b.posixView.setGroup(b.group);
          return "set";
        });
    ops.put("owner view: getOwner", b -> b.ownerView.getOwner());
    ops.put(
        "owner view: setOwner",
        b -> {
          b.ownerView.setOwner(b.ownerView.getOwner());
          return "set";
        });
    // directory streams opened before the close
    ops.put("stream: iterator", b -> b.unusedStream.iterator());
    ops.put(
        "stream: close",
        b -> {
          b.unusedStream.close();
          return "closed";
        });
    ops.put("iterator: hasNext", b -> b.iterator.hasNext());
    ops.put("secure stream: iterator", b -> b.secureStream.iterator());
    ops.put(
        "secure stream: newByteChannel",
        b -> b.secureStream.newByteChannel(b.fs.getPath("f"), Set.of(READ)));
    ops.put(
        "secure stream: newByteChannel CREATE",
        b -> b.secureStream.newByteChannel(b.fs.getPath("n"), Set.of(CREATE, WRITE)));
    ops.put(
        "secure stream: newDirectoryStream",
        b -> b.secureStream.newDirectoryStream(b.fs.getPath("sub")));
    ops.put(
        "secure stream: deleteFile",
        b -> {
          b.secureStream.deleteFile(b.fs.getPath("f"));
          return "deleted";
        });
    ops.put(
        "secure stream: deleteDirectory",
        b -> {
          b.secureStream.deleteDirectory(b.fs.getPath("sub"));
          return "deleted";
        });
    ops.put(
        "secure stream: move",
        b -> {
          b.secureStream.move(b.fs.getPath("f"), b.secureStream, b.fs.getPath("n"));
          return "moved";
        });
    ops.put(
        "secure stream: its own view, obtained before",
        b -> b.streamView.readAttributes().isDirectory());
    ops.put(
        "secure stream: its own view, obtained after",
        b ->
            b.secureStream
                .getFileAttributeView(BasicFileAttributeView.class)
                .readAttributes()
                .isDirectory());
    ops.put(
        "secure stream: a file's view",
        b ->
            b.secureStream
                .getFileAttributeView(b.fs.getPath("f"), BasicFileAttributeView.class)
                .readAttributes()
                .size());
    // channels
    ops.put("channel: isOpen", b -> b.channel.isOpen());
    ops.put("channel: read", b -> b.channel.read(ByteBuffer.allocate(1)));
    ops.put("channel: size", b -> b.channel.size());
    // the file store
    ops.put("store: name and type", b -> b.store.name().isEmpty() + " " + b.store.type().isEmpty());
    ops.put("store: isReadOnly", b -> b.store.isReadOnly());
    ops.put("store: getTotalSpace", b -> b.store.getTotalSpace());
    ops.put("store: getUsableSpace", b -> b.store.getUsableSpace());
    ops.put("store: getUnallocatedSpace", b -> b.store.getUnallocatedSpace());
    ops.put("store: supportsFileAttributeView", b -> b.store.supportsFileAttributeView("posix"));
    ops.put("store: getAttribute", b -> b.store.getAttribute("totalSpace"));
    // the user-principal lookup service
    ops.put("lookup: user", b -> b.lookup.lookupPrincipalByName("someone").getName());
    ops.put("lookup: group", b -> b.lookup.lookupPrincipalByGroupName("staff").getName());
    return ops;
  }

  private static String outcome(Op op, FileSystem fs) {
    Before b;
    try {
      b = prepareAndClose(fs);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    try {
      Object v = op.run(b);
      return v instanceof Path
              || v instanceof Iterable<?>
              || v instanceof FileStore
              || v instanceof AutoCloseable
              || v instanceof Iterator<?>
              || v instanceof UserPrincipalLookupService
          ? "an object"
          : String.valueOf(v);
    } catch (Exception e) {
      return "!" + e.getClass().getSimpleName();
    }
  }

  /**
   * Where daxfs fails and Jimfs does not, on purpose: a closed filesystem has no file store and no
   * principals; the store's attributes, which Jimfs does not support at all, fail as the store's
   * other queries. And where Jimfs breaks the contract: an iterator of a closed directory stream
   * behaves as at its end, as {@link DirectoryStream} specifies, where Jimfs throws.
   */
  private static final Map<String, String> DELIBERATE =
      Map.of(
          "getFileStore", "!ClosedFileSystemException",
          "store: getAttribute", "!ClosedFileSystemException",
          "lookup: user", "!ClosedFileSystemException",
          "lookup: group", "!ClosedFileSystemException",
          "iterator: hasNext", "false");

  @Test
  void everythingFailsAsOnAClosedJimfs() throws IOException {
    List<String> mismatches = new ArrayList<>();
    for (Map.Entry<String, Op> e : operations().entrySet()) {
      String dax =
          outcome(
              e.getValue(),
              DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(1 << 20).build()));
      String jimfs = outcome(e.getValue(), Jimfs.newFileSystem(FilesComparisonTest.JIMFS_UNIX));
      String want = DELIBERATE.getOrDefault(e.getKey(), jimfs);
      if (!dax.equals(want)) {
        mismatches.add(e.getKey() + ": daxfs " + dax + ", want " + want + " (Jimfs " + jimfs + ")");
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void aClosedDirectoryStreamFailsItsIteratorAndItsOperations() throws IOException {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(1 << 20).build())) {
      Path dir = Files.createDirectory(fs.getPath("/d"));
      Files.createFile(dir.resolve("f"));
      var stream = (SecureDirectoryStream<Path>) Files.newDirectoryStream(dir);
      stream.close();
      assertThatThrownBy(stream::iterator)
          .isExactlyInstanceOf(IllegalStateException.class); // as the JDK's
      assertThatThrownBy(() -> stream.newByteChannel(fs.getPath("f"), Set.of(READ)))
          .isInstanceOf(ClosedDirectoryStreamException.class);
      assertThatThrownBy(
              () -> stream.getFileAttributeView(BasicFileAttributeView.class).readAttributes())
          .isInstanceOf(ClosedDirectoryStreamException.class);
    }
  }

  @Test
  void pathsOfTwoFileSystemsWithEqualTextCompareAsTheyEqual() throws IOException {
    DaxConfiguration small = DaxConfiguration.builder().deviceSize(1 << 20).build();
    try (FileSystem a = DaxFileSystems.newFileSystem(small);
        FileSystem b = DaxFileSystems.newFileSystem(small)) {
      Path pa = a.getPath("/x/y");
      Path pb = b.getPath("/x/y");
      assertThat(pa).isNotEqualTo(pb);
      assertThat(pa.compareTo(pb))
          .isNotZero()
          .isEqualTo(-Integer.signum(pb.compareTo(pa)) * Math.abs(pa.compareTo(pb)));
      assertThat(Integer.signum(pa.compareTo(pb))).isEqualTo(-Integer.signum(pb.compareTo(pa)));
      assertThat(a.getPath("/x/a").compareTo(pb)).isNegative(); // text first
      assertThat(a.getPath("/x/z").compareTo(pb)).isPositive();
      assertThat(pa.compareTo(a.getPath("/x/y"))).isZero();
      assertThat(pa).isEqualTo(a.getPath("/x/y")).hasSameHashCodeAs(a.getPath("/x/y"));
      // a sorted set keeps both, as a hash set does
      assertThat(new java.util.TreeSet<>(List.of(pa, pb))).hasSize(2);
      assertThat(new java.util.HashSet<>(List.of(pa, pb))).hasSize(2);
    }
    // the same name, reused after the first filesystem closed
    FileSystem first = DaxFileSystems.newFileSystem("reused", small);
    Path old = first.getPath("/p");
    first.close();
    try (FileSystem second = DaxFileSystems.newFileSystem("reused", small)) {
      Path now = second.getPath("/p");
      assertThat(old).isNotEqualTo(now);
      assertThat(old.compareTo(now)).isNegative();
      assertThat(now.compareTo(old)).isPositive();
    }
  }
}
