package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.MediaErrorModel;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad argument gets the documented exception. Where the JDK decides what "documented" means
 * in practice, a case runs twice, on daxfs and on the JDK's default provider in a temporary
 * directory (Linux), and both must throw exactly the same exception class: the default provider is
 * the reference daxfs claims to match. Cases only daxfs can have (its configuration, its URIs,
 * another provider's paths) check daxfs alone.
 */
class BadInputTest {
  @TempDir Path tmp;

  private FileSystem dax;
  private final List<Closeable> toClose = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dax = DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
  }

  @AfterEach
  void tearDown() throws IOException {
    for (Closeable c : toClose) {
      c.close();
    }
    dax.close();
  }

  // ---- the two providers -----------------------------------------------------------------------

  /**
   * An action on a prepared directory: holding file {@code f} (100 bytes) and directory {@code d}.
   */
  @FunctionalInterface
  private interface Case {
    void run(Path dir) throws Throwable;
  }

  /** The work directory on daxfs and on the default provider, prepared the same way. */
  private List<Path> dirs() throws IOException {
    return List.of(prepare(dax.getPath("/work")), prepare(tmp.resolve("work")));
  }

  private static Path prepare(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir);
      Files.write(dir.resolve("f"), new byte[100]);
      Files.createDirectory(dir.resolve("d"));
    }
    return dir;
  }

  private static String where(Path dir) {
    return dir.getFileSystem().provider().getScheme() + " provider";
  }

  /** A case that must throw exactly {@code expected} on daxfs and on the default provider alike. */
  private DynamicTest same(String name, Class<? extends Throwable> expected, Case c) {
    return dynamicTest(
        name,
        () -> {
          for (Path dir : dirs()) {
            Throwable t = catchThrowable(() -> c.run(dir));
            assertThat(t).as("%s on the %s", name, where(dir)).isExactlyInstanceOf(expected);
          }
        });
  }

  private static FileSystemProvider provider(Path dir) {
    return dir.getFileSystem().provider();
  }

  private static Path f(Path dir) {
    return dir.resolve("f");
  }

  private <C extends Closeable> C track(C c) {
    toClose.add(c);
    return c;
  }

  private FileChannel channel(Path dir, OpenOption... options) throws IOException {
    return track(FileChannel.open(f(dir), options));
  }

  private FileChannel rw(Path dir) throws IOException {
    return channel(dir, READ, WRITE);
  }

  private FileChannel closedChannel(Path dir) throws IOException {
    FileChannel ch = FileChannel.open(f(dir), READ, WRITE);
    ch.close();
    return ch;
  }

  private AsynchronousFileChannel async(Path dir) throws IOException {
    return track(AsynchronousFileChannel.open(f(dir), READ, WRITE));
  }

  private SecureDirectoryStream<Path> secureStream(Path dir) throws IOException {
    DirectoryStream<Path> ds = track(Files.newDirectoryStream(dir));
    assertThat(ds)
        .as("directory stream of the %s", where(dir))
        .isInstanceOf(SecureDirectoryStream.class);
    return (SecureDirectoryStream<Path>) ds;
  }

  private static ByteBuffer buf() {
    return ByteBuffer.allocate(10);
  }

  private static final CompletionHandler<Object, Object> IGNORE =
      new CompletionHandler<>() {
        @Override
        public void completed(Object result, Object attachment) {}

        @Override
        public void failed(Throwable exc, Object attachment) {}
      };

  /** An option of no provider: must be refused, never ignored. */
  private enum Bogus implements OpenOption, CopyOption {
    OPTION
  }

  // ---- null arguments
  // ----------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> nullArgumentsThrowNullPointerException() {
    Class<NullPointerException> npe = NullPointerException.class;
    Class<BasicFileAttributeView> basic = BasicFileAttributeView.class;
    return Stream.of(
        // provider: channels and streams
        same("newByteChannel(null path)", npe, d -> provider(d).newByteChannel(null, Set.of(READ))),
        same("newByteChannel(null options)", npe, d -> provider(d).newByteChannel(f(d), null)),
        same("newByteChannel(null option)", npe, d -> Files.newByteChannel(f(d), READ, null)),
        same("newFileChannel(null options)", npe, d -> provider(d).newFileChannel(f(d), null)),
        same("FileChannel.open(null option)", npe, d -> FileChannel.open(f(d), (OpenOption) null)),
        same(
            "newFileChannel(null attribute)",
            npe,
            d ->
                provider(d)
                    .newFileChannel(
                        d.resolve("new"), Set.of(CREATE, WRITE), (FileAttribute<?>) null)),
        same(
            "newAsynchronousFileChannel(null path)",
            npe,
            d -> provider(d).newAsynchronousFileChannel(null, Set.of(READ), null)),
        same(
            "newAsynchronousFileChannel(null options)",
            npe,
            d -> provider(d).newAsynchronousFileChannel(f(d), null, null)),
        same(
            "newInputStream(null option)", npe, d -> Files.newInputStream(f(d), (OpenOption) null)),
        same(
            "newOutputStream(null option)",
            npe,
            d -> Files.newOutputStream(f(d), (OpenOption) null)),
        same(
            "newDirectoryStream(null dir)",
            npe,
            d -> provider(d).newDirectoryStream(null, p -> true)),
        same("newDirectoryStream(null filter)", npe, d -> provider(d).newDirectoryStream(d, null)),
        // provider: namespace
        same("createDirectory(null)", npe, d -> provider(d).createDirectory(null)),
        same(
            "createDirectory(null attribute)",
            npe,
            d -> provider(d).createDirectory(d.resolve("new"), (FileAttribute<?>) null)),
        same(
            "createFile(null attribute)",
            npe,
            d -> Files.createFile(d.resolve("new"), (FileAttribute<?>) null)),
        same("createSymbolicLink(null link)", npe, d -> provider(d).createSymbolicLink(null, f(d))),
        same(
            "createSymbolicLink(null target)",
            npe,
            d -> provider(d).createSymbolicLink(d.resolve("l"), null)),
        same(
            "createSymbolicLink(null attribute)",
            npe,
            d -> provider(d).createSymbolicLink(d.resolve("l"), f(d), (FileAttribute<?>) null)),
        same("createLink(null link)", npe, d -> provider(d).createLink(null, f(d))),
        same("createLink(null existing)", npe, d -> provider(d).createLink(d.resolve("h"), null)),
        same("delete(null)", npe, d -> provider(d).delete(null)),
        same("deleteIfExists(null)", npe, d -> provider(d).deleteIfExists(null)),
        same("copy(null source)", npe, d -> provider(d).copy(null, d.resolve("c"))),
        same("copy(null target)", npe, d -> provider(d).copy(f(d), null)),
        same(
            "copy(null option)",
            npe,
            d -> provider(d).copy(f(d), d.resolve("c"), (CopyOption) null)),
        same("move(null source)", npe, d -> provider(d).move(null, d.resolve("m"))),
        same("move(null target)", npe, d -> provider(d).move(f(d), null)),
        same(
            "move(null option)",
            npe,
            d -> provider(d).move(f(d), d.resolve("m"), (CopyOption) null)),
        same("readSymbolicLink(null)", npe, d -> provider(d).readSymbolicLink(null)),
        same("isSameFile(null, path)", npe, d -> provider(d).isSameFile(null, f(d))),
        same("isSameFile(path, null)", npe, d -> provider(d).isSameFile(f(d), null)),
        same("isHidden(null)", npe, d -> provider(d).isHidden(null)),
        same("getFileStore(null)", npe, d -> provider(d).getFileStore(null)),
        same("checkAccess(null)", npe, d -> provider(d).checkAccess(null)),
        same("checkAccess(null mode)", npe, d -> provider(d).checkAccess(f(d), (AccessMode) null)),
        // provider: attributes
        same(
            "getFileAttributeView(null path)",
            npe,
            d -> provider(d).getFileAttributeView(null, basic)),
        same(
            "getFileAttributeView(null type)",
            npe,
            d -> provider(d).getFileAttributeView(f(d), null)),
        same(
            "getFileAttributeView(null option)",
            npe,
            d -> provider(d).getFileAttributeView(f(d), basic, (LinkOption) null)),
        same(
            "readAttributes(null path, class)",
            npe,
            d -> provider(d).readAttributes(null, BasicFileAttributes.class)),
        same(
            "readAttributes(null class)",
            npe,
            d -> provider(d).readAttributes(f(d), (Class<BasicFileAttributes>) null)),
        same(
            "readAttributes(class, null option)",
            npe,
            d -> provider(d).readAttributes(f(d), BasicFileAttributes.class, (LinkOption) null)),
        same("readAttributes(null path, string)", npe, d -> provider(d).readAttributes(null, "*")),
        same(
            "readAttributes(null string)",
            npe,
            d -> provider(d).readAttributes(f(d), (String) null)),
        same(
            "readAttributes(string, null option)",
            npe,
            d -> provider(d).readAttributes(f(d), "*", (LinkOption) null)),
        same(
            "setAttribute(null path)",
            npe,
            d -> provider(d).setAttribute(null, "posix:permissions", Set.of())),
        same("setAttribute(null name)", npe, d -> provider(d).setAttribute(f(d), null, Set.of())),
        same("setLastModifiedTime(null)", npe, d -> Files.setLastModifiedTime(f(d), null)),
        same("setPosixFilePermissions(null)", npe, d -> Files.setPosixFilePermissions(f(d), null)),
        same(
            "setPosixFilePermissions({null})",
            npe,
            d ->
                Files.setPosixFilePermissions(
                    f(d), new HashSet<>(Arrays.asList((PosixFilePermission) null)))),
        same("setOwner(null)", npe, d -> Files.setOwner(f(d), null)),
        same(
            "PosixFileAttributeView.setGroup(null)",
            npe,
            d -> Files.getFileAttributeView(f(d), PosixFileAttributeView.class).setGroup(null)),
        same(
            "lookupPrincipalByName(null)",
            npe,
            d -> d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(null)),
        // file system and paths
        same("getPath(null)", npe, d -> d.getFileSystem().getPath(null)),
        same(
            "getPath(first, null more)", npe, d -> d.getFileSystem().getPath("a", (String[]) null)),
        same("getPath(first, null element)", npe, d -> d.getFileSystem().getPath("a", "b", null)),
        same("getPathMatcher(null)", npe, d -> d.getFileSystem().getPathMatcher(null)),
        same("resolve(null path)", npe, d -> d.resolve((Path) null)),
        same("resolve(null string)", npe, d -> d.resolve((String) null)),
        same("resolveSibling(null)", npe, d -> d.resolveSibling((Path) null)),
        same("relativize(null)", npe, d -> d.relativize(null)),
        same("startsWith(null path)", npe, d -> d.startsWith((Path) null)),
        same("startsWith(null string)", npe, d -> d.startsWith((String) null)),
        same("endsWith(null path)", npe, d -> d.endsWith((Path) null)),
        same("compareTo(null)", npe, d -> d.compareTo(null)),
        same("toRealPath(null option)", npe, d -> d.toRealPath((LinkOption) null)),
        // file store
        same(
            "FileStore.supportsFileAttributeView(null class)",
            npe,
            d ->
                Files.getFileStore(d)
                    .supportsFileAttributeView((Class<BasicFileAttributeView>) null)),
        same(
            "FileStore.supportsFileAttributeView(null name)",
            npe,
            d -> Files.getFileStore(d).supportsFileAttributeView((String) null)),
        same("FileStore.getAttribute(null)", npe, d -> Files.getFileStore(d).getAttribute(null)),
        same(
            "FileStore.getFileStoreAttributeView(null)",
            npe,
            d -> Files.getFileStore(d).getFileStoreAttributeView(null)),
        // channels
        same("read(null)", npe, d -> rw(d).read((ByteBuffer) null)),
        same("read(null, position)", npe, d -> rw(d).read(null, 0)),
        same("read(null array)", npe, d -> rw(d).read((ByteBuffer[]) null)),
        same("read({null})", npe, d -> rw(d).read(new ByteBuffer[] {buf(), null})),
        same("write(null)", npe, d -> rw(d).write((ByteBuffer) null)),
        same("write(null, position)", npe, d -> rw(d).write(null, 0)),
        same("write(null array)", npe, d -> rw(d).write((ByteBuffer[]) null)),
        same("write({null})", npe, d -> rw(d).write(new ByteBuffer[] {buf(), null})),
        same("transferTo(null target)", npe, d -> rw(d).transferTo(0, 1, null)),
        same("transferFrom(null source)", npe, d -> rw(d).transferFrom(null, 0, 1)),
        same("map(null mode)", npe, d -> rw(d).map(null, 0, 1)),
        same("async read(null)", npe, d -> async(d).read(null, 0)),
        same("async write(null)", npe, d -> async(d).write(null, 0)),
        same("async read(null handler)", npe, d -> async(d).read(buf(), 0, null, null)),
        same("async lock(null handler)", npe, d -> async(d).lock(0, 1, false, null, null)),
        // a secure directory stream
        same(
            "SecureDirectoryStream.newByteChannel(null)",
            npe,
            d -> secureStream(d).newByteChannel(null, Set.of(READ))),
        same(
            "SecureDirectoryStream.newByteChannel(null options)",
            npe,
            d -> secureStream(d).newByteChannel(d.getFileSystem().getPath("f"), null)),
        same(
            "SecureDirectoryStream.newDirectoryStream(null)",
            npe,
            d -> secureStream(d).newDirectoryStream(null)),
        same("SecureDirectoryStream.deleteFile(null)", npe, d -> secureStream(d).deleteFile(null)),
        same(
            "SecureDirectoryStream.deleteDirectory(null)",
            npe,
            d -> secureStream(d).deleteDirectory(null)),
        same(
            "SecureDirectoryStream.move(null source)",
            npe,
            d -> {
              SecureDirectoryStream<Path> s = secureStream(d);
              s.move(null, s, d.getFileSystem().getPath("m"));
            }),
        same(
            "SecureDirectoryStream.move(null target directory)",
            npe,
            d ->
                secureStream(d)
                    .move(d.getFileSystem().getPath("f"), null, d.getFileSystem().getPath("m"))),
        same(
            "SecureDirectoryStream.move(null target)",
            npe,
            d -> {
              SecureDirectoryStream<Path> s = secureStream(d);
              s.move(d.getFileSystem().getPath("f"), s, null);
            }),
        same(
            "SecureDirectoryStream.getFileAttributeView(null type)",
            npe,
            d -> secureStream(d).getFileAttributeView(null)),
        same(
            "SecureDirectoryStream.getFileAttributeView(null path)",
            npe,
            d -> secureStream(d).getFileAttributeView(null, basic)));
  }

  // ---- negative and out-of-range numbers, wrong buffers
  // ----------------------------------------------

  @TestFactory
  Stream<DynamicTest> negativeNumbersThrowIllegalArgumentException() {
    Class<IllegalArgumentException> iae = IllegalArgumentException.class;
    return Stream.of(
        same("read at -1", iae, d -> rw(d).read(buf(), -1)),
        same("write at -1", iae, d -> rw(d).write(buf(), -1)),
        same("position(-1)", iae, d -> rw(d).position(-1)),
        same("truncate(-1)", iae, d -> rw(d).truncate(-1)),
        same("transferTo from -1", iae, d -> rw(d).transferTo(-1, 1, rw(d))),
        same("transferTo -1 bytes", iae, d -> rw(d).transferTo(0, -1, rw(d))),
        same("transferFrom to -1", iae, d -> rw(d).transferFrom(rw(d), -1, 1)),
        same("transferFrom -1 bytes", iae, d -> rw(d).transferFrom(rw(d), 0, -1)),
        same("lock at -1", iae, d -> rw(d).lock(-1, 1, false)),
        same("lock -1 bytes", iae, d -> rw(d).lock(0, -1, false)),
        same("lock past Long.MAX_VALUE", iae, d -> rw(d).lock(Long.MAX_VALUE, 1, false)),
        same("tryLock at -1", iae, d -> rw(d).tryLock(-1, 1, true)),
        same("tryLock -1 bytes", iae, d -> rw(d).tryLock(0, -1, true)),
        same("tryLock past Long.MAX_VALUE", iae, d -> rw(d).tryLock(1, Long.MAX_VALUE, true)),
        same("map at -1", iae, d -> rw(d).map(MapMode.READ_ONLY, -1, 1)),
        same("map -1 bytes", iae, d -> rw(d).map(MapMode.READ_ONLY, 0, -1)),
        same("map more than 2 GiB", iae, d -> rw(d).map(MapMode.READ_ONLY, 0, 1L << 31)),
        same("map past Long.MAX_VALUE", iae, d -> rw(d).map(MapMode.READ_ONLY, Long.MAX_VALUE, 1)),
        same(
            "byte channel position(-1)",
            iae,
            d -> track(Files.newByteChannel(f(d), READ)).position(-1)),
        same(
            "byte channel truncate(-1)",
            iae,
            d -> track(Files.newByteChannel(f(d), WRITE)).truncate(-1)),
        same("async read at -1", iae, d -> async(d).read(buf(), -1)),
        same("async write at -1", iae, d -> async(d).write(buf(), -1)),
        same("async lock at -1", iae, d -> async(d).lock(-1, 1, false)),
        same("async tryLock -1 bytes", iae, d -> async(d).tryLock(0, -1, false)),
        same("async truncate(-1)", iae, d -> async(d).truncate(-1)),
        // a read into a read-only buffer is a bad argument too, even with no room in it
        same("read into a read-only buffer", iae, d -> rw(d).read(buf().asReadOnlyBuffer())),
        same(
            "read into an empty read-only buffer",
            iae,
            d -> rw(d).read(ByteBuffer.allocate(0).asReadOnlyBuffer(), 0)),
        same(
            "scattering read into a read-only buffer",
            iae,
            d -> rw(d).read(new ByteBuffer[] {buf(), buf().asReadOnlyBuffer()})),
        same(
            "async read into a read-only buffer",
            iae,
            d -> async(d).read(buf().asReadOnlyBuffer(), 0)),
        // array slices out of range
        same(
            "scattering read, offset past the array",
            IndexOutOfBoundsException.class,
            d -> rw(d).read(new ByteBuffer[] {buf()}, 2, 0)),
        same(
            "scattering read, negative offset",
            IndexOutOfBoundsException.class,
            d -> rw(d).read(new ByteBuffer[] {buf()}, -1, 1)),
        same(
            "gathering write, length past the array",
            IndexOutOfBoundsException.class,
            d -> rw(d).write(new ByteBuffer[] {buf()}, 0, 2)));
  }

  @TestFactory
  Stream<DynamicTest> operationsTheOpenModeForbids() {
    Class<NonReadableChannelException> nonReadable = NonReadableChannelException.class;
    Class<NonWritableChannelException> nonWritable = NonWritableChannelException.class;
    return Stream.of(
        same("read on a write-only channel", nonReadable, d -> channel(d, WRITE).read(buf())),
        same(
            "positional read on a write-only channel",
            nonReadable,
            d -> channel(d, WRITE).read(buf(), 0)),
        same("write on a read-only channel", nonWritable, d -> channel(d, READ).write(buf())),
        same(
            "positional write on a read-only channel",
            nonWritable,
            d -> channel(d, READ).write(buf(), 0)),
        same("truncate on a read-only channel", nonWritable, d -> channel(d, READ).truncate(0)),
        same(
            "transferTo from a write-only channel",
            nonReadable,
            d ->
                channel(d, WRITE)
                    .transferTo(0, 1, Channels.newChannel(OutputStream.nullOutputStream()))),
        same(
            "transferFrom into a read-only channel",
            nonWritable,
            d ->
                channel(d, READ)
                    .transferFrom(
                        Channels.newChannel(new ByteArrayInputStream(new byte[1])), 0, 1)),
        same(
            "exclusive lock on a read-only channel",
            nonWritable,
            d -> channel(d, READ).lock(0, 1, false)),
        same(
            "shared lock on a write-only channel",
            nonReadable,
            d -> channel(d, WRITE).tryLock(0, 1, true)),
        same(
            "READ_WRITE map of a read-only channel",
            nonWritable,
            d -> channel(d, READ).map(MapMode.READ_WRITE, 0, 1)),
        same(
            "map of a write-only channel",
            nonReadable,
            d -> channel(d, WRITE).map(MapMode.READ_ONLY, 0, 1)),
        same(
            "async read on a write-only channel",
            nonReadable,
            d -> track(AsynchronousFileChannel.open(f(d), WRITE)).read(buf(), 0)),
        same(
            "async write on a read-only channel",
            nonWritable,
            d -> track(AsynchronousFileChannel.open(f(d), READ)).write(buf(), 0)));
  }

  // ---- closed channels
  // ----------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> closedChannelsThrowClosedChannelException() {
    Class<ClosedChannelException> closed = ClosedChannelException.class;
    Supplier<WritableByteChannel> sink = () -> Channels.newChannel(OutputStream.nullOutputStream());
    Supplier<ReadableByteChannel> source =
        () -> Channels.newChannel(new ByteArrayInputStream(new byte[10]));
    return Stream.of(
        same("read", closed, d -> closedChannel(d).read(buf())),
        same("positional read", closed, d -> closedChannel(d).read(buf(), 0)),
        same("scattering read", closed, d -> closedChannel(d).read(new ByteBuffer[] {buf()})),
        same("write", closed, d -> closedChannel(d).write(buf())),
        same("positional write", closed, d -> closedChannel(d).write(buf(), 0)),
        same("gathering write", closed, d -> closedChannel(d).write(new ByteBuffer[] {buf()})),
        same("position()", closed, d -> closedChannel(d).position()),
        same("position(long)", closed, d -> closedChannel(d).position(0)),
        same("size", closed, d -> closedChannel(d).size()),
        same("truncate", closed, d -> closedChannel(d).truncate(0)),
        same("force", closed, d -> closedChannel(d).force(true)),
        same("transferTo", closed, d -> closedChannel(d).transferTo(0, 1, sink.get())),
        same(
            "transferTo a closed target",
            closed,
            d -> {
              WritableByteChannel target = sink.get();
              target.close();
              rw(d).transferTo(0, 1, target);
            }),
        same("transferFrom", closed, d -> closedChannel(d).transferFrom(source.get(), 0, 1)),
        same(
            "transferFrom a closed source",
            closed,
            d -> rw(d).transferFrom(closedChannel(d), 0, 1)),
        same("lock", closed, d -> closedChannel(d).lock()),
        same("tryLock", closed, d -> closedChannel(d).tryLock()),
        same("map", closed, d -> closedChannel(d).map(MapMode.READ_ONLY, 0, 1)),
        same(
            "release of a lock after close",
            closed,
            d -> {
              FileChannel ch = FileChannel.open(f(d), READ, WRITE);
              FileLock lock = ch.lock();
              ch.close();
              assertThat(lock.isValid()).isFalse();
              lock.release();
            }),
        same(
            "input stream read after close",
            closed,
            d -> {
              var in = Files.newInputStream(f(d));
              in.close();
              in.read();
            }),
        same(
            "async size after close",
            closed,
            d -> {
              AsynchronousFileChannel ch = AsynchronousFileChannel.open(f(d), READ);
              ch.close();
              ch.size();
            }),
        dynamicTest(
            "async read after close fails its future with ClosedChannelException",
            () -> {
              for (Path d : dirs()) {
                AsynchronousFileChannel ch = AsynchronousFileChannel.open(f(d), READ);
                ch.close();
                assertThatThrownBy(() -> ch.read(buf(), 0).get())
                    .as(where(d))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(closed);
              }
            }));
  }

  // ---- options
  // ------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> unknownAndConflictingOptions() {
    Class<UnsupportedOperationException> uoe = UnsupportedOperationException.class;
    Class<IllegalArgumentException> iae = IllegalArgumentException.class;
    return Stream.of(
        same(
            "newByteChannel with an unknown option",
            uoe,
            d -> Files.newByteChannel(f(d), READ, Bogus.OPTION)),
        same(
            "FileChannel.open with an unknown option",
            uoe,
            d -> FileChannel.open(f(d), Bogus.OPTION)),
        same(
            "newOutputStream with an unknown option",
            uoe,
            d -> Files.newOutputStream(f(d), Bogus.OPTION)),
        same(
            "async open with an unknown option",
            uoe,
            d -> AsynchronousFileChannel.open(f(d), READ, Bogus.OPTION)),
        same(
            "copy with an unknown option",
            uoe,
            d -> Files.copy(f(d), d.resolve("c"), Bogus.OPTION)),
        same(
            "copy with ATOMIC_MOVE",
            uoe,
            d -> Files.copy(f(d), d.resolve("c"), StandardCopyOption.ATOMIC_MOVE)),
        same(
            "move with an unknown option",
            uoe,
            d -> Files.move(f(d), d.resolve("m"), Bogus.OPTION)),
        same("READ + APPEND", iae, d -> Files.newByteChannel(f(d), READ, APPEND)),
        same("FileChannel READ + APPEND", iae, d -> FileChannel.open(f(d), READ, WRITE, APPEND)),
        same(
            "APPEND + TRUNCATE_EXISTING",
            iae,
            d -> FileChannel.open(f(d), APPEND, TRUNCATE_EXISTING)),
        same("newOutputStream with READ", iae, d -> Files.newOutputStream(f(d), READ)),
        same("newInputStream with WRITE", uoe, d -> Files.newInputStream(f(d), WRITE)),
        same("newInputStream with APPEND", uoe, d -> Files.newInputStream(f(d), APPEND)),
        same("async open with APPEND", uoe, d -> AsynchronousFileChannel.open(f(d), WRITE, APPEND)),
        // APPEND is refused as unsupported before READ + APPEND is judged a conflict
        same(
            "async open with READ + APPEND",
            uoe,
            d -> AsynchronousFileChannel.open(f(d), READ, APPEND)),
        same(
            "initial attribute that is not permissions",
            uoe,
            d ->
                Files.createFile(
                    d.resolve("new"),
                    new FileAttribute<Object>() {
                      @Override
                      public String name() {
                        return "basic:lastModifiedTime";
                      }

                      @Override
                      public Object value() {
                        return null;
                      }
                    })));
  }

  @Test
  void refusedOptionsChangeNothing() throws IOException {
    for (Path d : dirs()) {
      catchThrowable(() -> Files.copy(f(d), d.resolve("c"), Bogus.OPTION));
      catchThrowable(() -> Files.move(f(d), d.resolve("m"), Bogus.OPTION));
      catchThrowable(() -> FileChannel.open(f(d), APPEND, TRUNCATE_EXISTING));
      catchThrowable(() -> FileChannel.open(d.resolve("n"), CREATE, WRITE, Bogus.OPTION));
      assertThat(Files.exists(d.resolve("c"))).as(where(d)).isFalse();
      assertThat(Files.exists(d.resolve("m"))).as(where(d)).isFalse();
      assertThat(Files.exists(d.resolve("n"))).as(where(d)).isFalse();
      assertThat(Files.size(f(d))).as(where(d)).isEqualTo(100);
    }
  }

  // ---- path strings and names
  // ---------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> nulCharactersAreInvalidPaths() {
    Class<InvalidPathException> ipe = InvalidPathException.class;
    return Stream.of(
        same("getPath with NUL", ipe, d -> d.getFileSystem().getPath("a\0b")),
        same("getPath with NUL in more", ipe, d -> d.getFileSystem().getPath("a", "b\0")),
        same("resolve with NUL", ipe, d -> d.resolve("x\0")),
        same("resolveSibling with NUL", ipe, d -> d.resolveSibling("\0")),
        same("startsWith with NUL", ipe, d -> d.startsWith("a\0")),
        same("endsWith with NUL", ipe, d -> d.endsWith("\0a")));
  }

  @Test
  void nulInAUriIsAnIllegalArgument() throws IOException {
    try (FileSystem named =
        DaxFileSystems.newFileSystem(uniqueName(), DaxConfiguration.defaults())) {
      URI uri = URI.create("dax://" + ((DaxFileSystem) named).name() + "/a%00b");
      assertThatThrownBy(() -> Path.of(uri)).isInstanceOf(IllegalArgumentException.class);
      // the JDK's own provider gives the same kind of answer
      assertThatThrownBy(() -> Path.of(URI.create("file:///a%00b")))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static final String LONGEST = "n".repeat(255);
  private static final String TOO_LONG = "n".repeat(256);

  /** 128 two-byte characters: 128 chars, but 256 bytes in UTF-8, which is what Linux counts. */
  private static final String TOO_LONG_IN_BYTES = "\u00e9".repeat(128);

  private static final String LONGEST_IN_BYTES = "\u00e9".repeat(127) + "n";

  /**
   * Whether the default provider can name files with non-ASCII characters here: it encodes names
   * with {@code sun.jnu.encoding}, which is not UTF-8 under a POSIX locale.
   */
  private static boolean utf8(Path dir) {
    return dir.getFileSystem() != FileSystems.getDefault()
        || "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
  }

  @Test
  void namesUpTo255BytesAreFine() throws IOException {
    for (Path d : dirs()) {
      String dirName = utf8(d) ? LONGEST_IN_BYTES : "sub";
      Files.createFile(d.resolve(LONGEST));
      Files.createDirectory(d.resolve(dirName));
      Files.createSymbolicLink(d.resolve(dirName).resolve(LONGEST), d.resolve(LONGEST));
      assertThat(Files.exists(d.resolve(dirName).resolve(LONGEST))).as(where(d)).isTrue();
    }
  }

  @TestFactory
  Stream<DynamicTest> namesOver255BytesAreTooLong() {
    return Stream.of(
        tooLong("createFile", (d, name) -> Files.createFile(d.resolve(name))),
        tooLong("createDirectory", (d, name) -> Files.createDirectory(d.resolve(name))),
        // createDirectories meets the long name when it looks for the deepest existing parent
        tooLong(
            "createDirectories",
            (d, name) -> Files.createDirectories(d.resolve(name).resolve("x"))),
        tooLong("createSymbolicLink", (d, name) -> Files.createSymbolicLink(d.resolve(name), f(d))),
        tooLong("createLink", (d, name) -> Files.createLink(d.resolve(name), f(d))),
        tooLong(
            "newByteChannel CREATE_NEW",
            (d, name) -> Files.newByteChannel(d.resolve(name), CREATE_NEW, WRITE)),
        tooLong("copy to", (d, name) -> Files.copy(f(d), d.resolve(name))),
        // rename(2) fails as a whole: the JDK names the source, and the target as the other file
        tooLong(
            "move to",
            (d, name) -> Files.move(f(d), d.resolve(name)),
            (d, name) -> f(d).toString()),
        // Linux refuses a long name in any lookup, not only where it would create it.
        tooLong(
            "readAttributes",
            (d, name) -> Files.readAttributes(d.resolve(name), BasicFileAttributes.class)),
        tooLong("delete", (d, name) -> Files.delete(d.resolve(name))),
        tooLong("newByteChannel READ", (d, name) -> Files.newByteChannel(d.resolve(name), READ)),
        tooLong(
            "createFile under it",
            (d, name) -> Files.createFile(d.resolve(name).resolve("x")),
            "/x"));
  }

  @FunctionalInterface
  private interface NameCase {
    void run(Path dir, String name) throws Throwable;
  }

  private DynamicTest tooLong(String what, NameCase c) {
    return tooLong(what, c, "");
  }

  private DynamicTest tooLong(String what, NameCase c, String suffix) {
    return tooLong(what, c, (d, name) -> d.resolve(name) + suffix);
  }

  /**
   * Each too-long name fails {@code c} with "File name too long" naming {@code file}, and creates
   * nothing.
   */
  private DynamicTest tooLong(String what, NameCase c, BiFunction<Path, String, String> file) {
    return dynamicTest(
        what,
        () -> {
          for (Path d : dirs()) {
            for (String name : utf8(d) ? List.of(TOO_LONG, TOO_LONG_IN_BYTES) : List.of(TOO_LONG)) {
              Throwable t = catchThrowable(() -> c.run(d, name));
              assertThat(t)
                  .as("%s of a %d-char name on the %s", what, name.length(), where(d))
                  .isExactlyInstanceOf(FileSystemException.class);
              FileSystemException e = (FileSystemException) t;
              assertThat(e.getReason()).as(where(d)).isEqualTo("File name too long");
              assertThat(e.getFile()).as(where(d)).isEqualTo(file.apply(d, name));
              assertThat(Files.exists(d.resolve(name))).as(where(d)).isFalse();
            }
            assertThat(Files.exists(f(d)))
                .as("%s: the source is still there on the %s", what, where(d))
                .isTrue();
          }
        });
  }

  // ---- paths of other providers
  // -------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> pathsOfOtherProvidersAreRefused() throws IOException {
    FileSystem jimfs = track(Jimfs.newFileSystem(Configuration.unix()));
    Path jimfsPath = jimfs.getPath("/x");
    Files.createFile(jimfsPath);
    Path defaultPath = Files.createFile(tmp.resolve("x"));
    Path daxDir = prepare(dax.getPath("/work"));
    Path daxFile = f(daxDir);
    FileSystemProvider p = dax.provider();
    List<DynamicTest> tests = new ArrayList<>();
    for (Path foreign : List.of(defaultPath, jimfsPath)) {
      String of = " (" + foreign.getFileSystem().provider().getScheme() + " path)";
      List<Map.Entry<String, Case>> cases =
          List.of(
              Map.entry("newByteChannel", d -> p.newByteChannel(foreign, Set.of(READ))),
              Map.entry("newFileChannel", d -> p.newFileChannel(foreign, Set.of(READ))),
              Map.entry(
                  "newAsynchronousFileChannel",
                  d -> p.newAsynchronousFileChannel(foreign, Set.of(READ), null)),
              Map.entry("newDirectoryStream", d -> p.newDirectoryStream(foreign, x -> true)),
              Map.entry("createDirectory", d -> p.createDirectory(foreign)),
              Map.entry(
                  "createSymbolicLink, foreign link", d -> p.createSymbolicLink(foreign, daxFile)),
              Map.entry(
                  "createSymbolicLink, foreign target",
                  d -> p.createSymbolicLink(daxDir.resolve("l"), foreign)),
              Map.entry("createLink, foreign link", d -> p.createLink(foreign, daxFile)),
              Map.entry(
                  "createLink, foreign existing", d -> p.createLink(daxDir.resolve("h"), foreign)),
              Map.entry("delete", d -> p.delete(foreign)),
              Map.entry("deleteIfExists", d -> p.deleteIfExists(foreign)),
              Map.entry("copy from", d -> p.copy(foreign, daxDir.resolve("c"))),
              Map.entry("copy to", d -> p.copy(daxFile, foreign)),
              Map.entry("move from", d -> p.move(foreign, daxDir.resolve("m"))),
              Map.entry("move to", d -> p.move(daxFile, foreign)),
              Map.entry("readSymbolicLink", d -> p.readSymbolicLink(foreign)),
              Map.entry("isSameFile, foreign first", d -> p.isSameFile(foreign, daxFile)),
              Map.entry("isHidden", d -> p.isHidden(foreign)),
              Map.entry("getFileStore", d -> p.getFileStore(foreign)),
              Map.entry("checkAccess", d -> p.checkAccess(foreign)),
              Map.entry(
                  "getFileAttributeView",
                  d -> p.getFileAttributeView(foreign, BasicFileAttributeView.class)),
              Map.entry(
                  "readAttributes(Class)",
                  d -> p.readAttributes(foreign, BasicFileAttributes.class)),
              Map.entry("readAttributes(String)", d -> p.readAttributes(foreign, "*")),
              Map.entry(
                  "setAttribute", d -> p.setAttribute(foreign, "basic:lastModifiedTime", null)),
              Map.entry("Path.resolve", d -> daxDir.resolve(foreign)),
              Map.entry("Path.resolveSibling", d -> daxDir.resolveSibling(foreign)),
              Map.entry("Path.relativize", d -> daxDir.relativize(foreign)),
              Map.entry(
                  "Files.createSymbolicLink to a foreign target",
                  d -> Files.createSymbolicLink(daxDir.resolve("l"), foreign)),
              Map.entry(
                  "SecureDirectoryStream.deleteFile",
                  d -> secureStream(daxDir).deleteFile(foreign)),
              Map.entry(
                  "SecureDirectoryStream.newByteChannel",
                  d -> secureStream(daxDir).newByteChannel(foreign, Set.of(READ))),
              Map.entry(
                  "SecureDirectoryStream.move to a foreign name",
                  d -> {
                    SecureDirectoryStream<Path> s = secureStream(daxDir);
                    s.move(dax.getPath("f"), s, foreign);
                  }));
      for (Map.Entry<String, Case> c : cases) {
        tests.add(
            dynamicTest(
                c.getKey() + of,
                () ->
                    assertThatThrownBy(() -> c.getValue().run(daxDir))
                        .isExactlyInstanceOf(ProviderMismatchException.class)));
      }
      tests.add(
          dynamicTest(
              "isSameFile with a foreign second path is false" + of,
              () -> assertThat(p.isSameFile(daxFile, foreign)).isFalse()));
      tests.add(
          dynamicTest(
              "startsWith/endsWith a foreign path are false" + of,
              () -> {
                assertThat(daxDir.startsWith(foreign)).isFalse();
                assertThat(daxDir.endsWith(foreign)).isFalse();
              }));
      tests.add(
          dynamicTest(
              "compareTo a foreign path" + of,
              () ->
                  assertThatThrownBy(() -> daxDir.compareTo(foreign))
                      .isInstanceOf(ClassCastException.class)));
      tests.add(
          dynamicTest(
              "SecureDirectoryStream.move into a foreign directory stream" + of,
              () -> {
                DirectoryStream<Path> foreignStream =
                    track(Files.newDirectoryStream(foreign.getParent()));
                if (foreignStream instanceof SecureDirectoryStream<Path> target) {
                  assertThatThrownBy(
                          () ->
                              secureStream(daxDir)
                                  .move(dax.getPath("f"), target, foreign.getFileName()))
                      .isExactlyInstanceOf(ProviderMismatchException.class);
                }
              }));
    }
    tests.add(
        dynamicTest(
            "the JDK's provider refuses a daxfs path the same way",
            () ->
                assertThatThrownBy(() -> FileSystems.getDefault().provider().delete(daxFile))
                    .isExactlyInstanceOf(ProviderMismatchException.class)));
    tests.add(
        dynamicTest(
            "a path of another daxfs filesystem does not resolve",
            () -> {
              try (FileSystem other = DaxFileSystems.newFileSystem()) {
                assertThatThrownBy(() -> daxDir.resolve(other.getPath("x")))
                    .isExactlyInstanceOf(ProviderMismatchException.class);
                Files.createFile(other.getPath("/x"));
                // same provider, other device: a hard link cannot cross, as link(2) says EXDEV
                assertThatThrownBy(() -> Files.createLink(daxDir.resolve("h"), other.getPath("/x")))
                    .isExactlyInstanceOf(FileSystemException.class)
                    .extracting(e -> ((FileSystemException) e).getReason())
                    .isEqualTo("Invalid cross-device link");
              }
            }));
    tests.add(
        dynamicTest(
            "nothing was created or removed by refused calls",
            () -> {
              assertThat(Files.exists(daxDir.resolve("l"), LinkOption.NOFOLLOW_LINKS)).isFalse();
              assertThat(Files.exists(daxDir.resolve("h"))).isFalse();
              assertThat(Files.exists(daxFile)).isTrue();
              assertThat(Files.exists(defaultPath)).isTrue();
              assertThat(Files.exists(jimfsPath)).isTrue();
            }));
    return tests.stream();
  }

  // ---- a closed filesystem
  // -----------------------------------------------------------------------

  /**
   * Every operation on a closed filesystem throws {@link ClosedFileSystemException}, on daxfs as on
   * Jimfs (the JDK's default filesystem cannot be closed).
   */
  @TestFactory
  Stream<DynamicTest> closedFileSystemThrowsClosedFileSystemException() throws IOException {
    FileSystem daxfs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(16 << 20).build());
    FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix());
    List<Path> dirs = new ArrayList<>();
    List<FileStore> stores = new ArrayList<>();
    for (FileSystem fs : List.of(daxfs, jimfs)) {
      Path d = prepare(fs.getPath("/closing"));
      dirs.add(d);
      stores.add(Files.getFileStore(d));
      fs.close();
    }
    Map<String, Case> cases = new java.util.LinkedHashMap<>();
    cases.put("newByteChannel", d -> Files.newByteChannel(f(d)));
    cases.put("FileChannel.open", d -> FileChannel.open(f(d), READ));
    cases.put("newAsynchronousFileChannel", d -> AsynchronousFileChannel.open(f(d), READ));
    cases.put("newInputStream", d -> Files.newInputStream(f(d)));
    cases.put("newOutputStream", d -> Files.newOutputStream(d.resolve("n")));
    cases.put("newDirectoryStream", d -> Files.newDirectoryStream(d));
    cases.put("createFile", d -> Files.createFile(d.resolve("n")));
    cases.put("createDirectory", d -> Files.createDirectory(d.resolve("n")));
    cases.put("createSymbolicLink", d -> Files.createSymbolicLink(d.resolve("n"), f(d)));
    cases.put("createLink", d -> Files.createLink(d.resolve("n"), f(d)));
    cases.put("delete", d -> Files.delete(f(d)));
    cases.put("deleteIfExists", d -> Files.deleteIfExists(f(d)));
    cases.put("copy", d -> Files.copy(f(d), d.resolve("n")));
    cases.put("move", d -> Files.move(f(d), d.resolve("n")));
    cases.put("readSymbolicLink", d -> Files.readSymbolicLink(f(d)));
    cases.put("isSameFile", d -> Files.isSameFile(f(d), d.resolve("d")));
    cases.put("isHidden", d -> Files.isHidden(f(d)));
    cases.put("checkAccess", d -> d.getFileSystem().provider().checkAccess(f(d)));
    cases.put("exists", d -> Files.exists(f(d)));
    cases.put("readAttributes(Class)", d -> Files.readAttributes(f(d), BasicFileAttributes.class));
    cases.put("readAttributes(String)", d -> Files.readAttributes(f(d), "*"));
    cases.put(
        "attribute view read",
        d -> Files.getFileAttributeView(f(d), BasicFileAttributeView.class).readAttributes());
    cases.put("setAttribute", d -> Files.setAttribute(f(d), "posix:permissions", Set.of()));
    cases.put("toRealPath", d -> f(d).toRealPath());
    cases.put("getRootDirectories", d -> d.getFileSystem().getRootDirectories());
    cases.put("getFileStores", d -> d.getFileSystem().getFileStores());
    cases.put(
        "getUserPrincipalLookupService", d -> d.getFileSystem().getUserPrincipalLookupService());
    cases.put("newWatchService", d -> d.getFileSystem().newWatchService());
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<String, Case> c : cases.entrySet()) {
      tests.add(
          dynamicTest(
              c.getKey(),
              () -> {
                for (Path d : dirs) {
                  assertThat(catchThrowable(() -> c.getValue().run(d)))
                      .as("%s on closed %s", c.getKey(), where(d))
                      .isExactlyInstanceOf(ClosedFileSystemException.class);
                }
              }));
    }
    tests.add(
        dynamicTest(
            "FileStore space of a closed filesystem",
            () -> {
              for (FileStore store : stores) {
                assertThatThrownBy(store::getTotalSpace)
                    .as(store.toString())
                    .isInstanceOf(ClosedFileSystemException.class);
                assertThatThrownBy(store::getUsableSpace)
                    .as(store.toString())
                    .isInstanceOf(ClosedFileSystemException.class);
              }
            }));
    // Jimfs still answers getFileStore when closed; the FileSystem contract says it must not.
    tests.add(
        dynamicTest(
            "getFileStore",
            () ->
                assertThatThrownBy(() -> Files.getFileStore(f(dirs.get(0))))
                    .isExactlyInstanceOf(ClosedFileSystemException.class)));
    tests.add(
        dynamicTest(
            "DaxFileSystems.device of a closed filesystem",
            () ->
                assertThatThrownBy(() -> DaxFileSystems.device(daxfs))
                    .isExactlyInstanceOf(ClosedFileSystemException.class)));
    return tests.stream();
  }

  @Test
  void closingTheFileSystemClosesItsChannels() throws IOException {
    Path file = dax.getPath("/f");
    Files.write(file, new byte[10]);
    FileChannel ch = FileChannel.open(file, READ, WRITE);
    SeekableByteChannel sbc = Files.newByteChannel(file);
    dax.close();
    assertThat(ch.isOpen()).isFalse();
    assertThat(sbc.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(buf(), 0)).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> ch.write(buf(), 0)).isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> sbc.read(buf())).isInstanceOf(ClosedChannelException.class);
    dax.close(); // idempotent
  }

  // ---- configuration
  // ------------------------------------------------------------------------------

  private static String uniqueName() {
    return "badinput-" + UUID.randomUUID();
  }

  /**
   * Builds {@code b} and expects an IllegalArgumentException whose message names {@code setting}.
   */
  private static void rejects(DaxConfiguration.Builder b, String setting) {
    assertThatThrownBy(b::build)
        .as(setting)
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(setting);
  }

  @Test
  void badBuilderValuesNameTheSetting() {
    rejects(DaxConfiguration.builder().sectorSize(1000), "sectorSize");
    rejects(DaxConfiguration.builder().sectorSize(0), "sectorSize");
    rejects(DaxConfiguration.builder().sectorSize(-512), "sectorSize");
    rejects(DaxConfiguration.builder().blockSize(3000), "blockSize");
    rejects(DaxConfiguration.builder().blockSize(0), "blockSize");
    rejects(
        DaxConfiguration.builder().blockSize(Integer.MIN_VALUE),
        "blockSize"); // one bit set, but negative
    rejects(DaxConfiguration.builder().blockSize(256), "blockSize");
    rejects(DaxConfiguration.builder().blockSize(128 << 10), "blockSize");
    rejects(DaxConfiguration.builder().blockSize(2048).sectorSize(4096), "sectorSize");
    rejects(DaxConfiguration.builder().deviceSize(0), "deviceSize");
    rejects(DaxConfiguration.builder().deviceSize(-4096), "deviceSize");
    rejects(DaxConfiguration.builder().deviceSize(1L << 51), "deviceSize");
    rejects(
        DaxConfiguration.builder().deviceSize(1_000_000), "deviceSize"); // not a multiple of 4096
    rejects(DaxConfiguration.builder().deviceSize(8 * 4096), "deviceSize"); // too few blocks
    rejects(DaxConfiguration.builder().umask(01000), "umask");
    rejects(DaxConfiguration.builder().umask(-1), "umask");
    assertThatThrownBy(() -> DaxConfiguration.builder().mediaErrorModel(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DaxConfiguration.builder().memoryDirectory(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DaxConfiguration.builder().powerFailModel(null))
        .isInstanceOf(NullPointerException.class);
    // the edges are fine
    DaxConfiguration.builder().blockSize(512).deviceSize(16 * 512).build();
    DaxConfiguration.builder().blockSize(64 << 10).sectorSize(4096).deviceSize(1L << 50).build();
    DaxConfiguration.builder().umask(0777).build();
  }

  @TestFactory
  Stream<DynamicTest> badEnvironmentValuesNameTheSetting() {
    List<Map.Entry<Map<String, ?>, String>> cases =
        List.of(
            Map.entry(Map.of("deviceSize", "lots"), "deviceSize"),
            Map.entry(Map.of("deviceSize", ""), "deviceSize"),
            Map.entry(Map.of("deviceSize", "-1m"), "deviceSize"),
            Map.entry(Map.of("deviceSize", "99999999t"), "deviceSize"),
            Map.entry(Map.of("deviceSize", "1000000"), "deviceSize"),
            Map.entry(Map.of("deviceSize", -5), "deviceSize"),
            Map.entry(Map.of("deviceSize", true), "deviceSize"),
            Map.entry(Map.of("blockSize", "3000"), "blockSize"),
            Map.entry(Map.of("blockSize", "8g"), "blockSize"), // does not fit an int
            Map.entry(Map.of("blockSize", 1L << 40), "blockSize"),
            Map.entry(Map.of("sectorSize", "1000"), "sectorSize"),
            Map.entry(Map.of("sectorSize", 1000), "sectorSize"),
            Map.entry(Map.of("sectorSize", "4g"), "sectorSize"),
            Map.entry(Map.of("mediaErrorModel", "SOMETIMES"), "mediaErrorModel"),
            Map.entry(Map.of("powerFailModel", "EVENTUALLY"), "powerFailModel"),
            Map.entry(Map.of("umask", "99"), "umask"),
            Map.entry(Map.of("umask", "7777"), "umask"),
            Map.entry(Map.of("umask", 1L << 32), "umask"), // must not wrap to 0
            Map.entry(Map.of("deviceSiz", "1g"), "deviceSiz"),
            Map.entry(Map.of("DeviceSize", "1g"), "DeviceSize"));
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<Map<String, ?>, String> c : cases) {
      tests.add(
          dynamicTest(
              c.getKey().toString(),
              () -> {
                String name = uniqueName();
                URI uri = URI.create("dax://" + name);
                assertThatThrownBy(() -> DaxConfiguration.fromEnvironment(c.getKey()))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c.getValue());
                assertThatThrownBy(() -> FileSystems.newFileSystem(uri, c.getKey()))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c.getValue());
                // nothing was left registered under the name
                assertThatThrownBy(() -> FileSystems.getFileSystem(uri))
                    .isInstanceOf(FileSystemNotFoundException.class);
              }));
    }
    tests.add(
        dynamicTest(
            "a null value",
            () -> {
              Map<String, Object> env = new HashMap<>();
              env.put("deviceSize", null);
              assertThatThrownBy(() -> DaxConfiguration.fromEnvironment(env))
                  .isInstanceOf(NullPointerException.class)
                  .hasMessageContaining("deviceSize");
            }));
    tests.add(
        dynamicTest(
            "a null map",
            () ->
                assertThatThrownBy(
                        () ->
                            DaxFileSystemProvider.instance()
                                .newFileSystem(URI.create("dax://" + uniqueName()), null))
                    .isInstanceOf(NullPointerException.class)));
    tests.add(
        dynamicTest(
            "good values of every kind",
            () -> {
              DaxConfiguration c =
                  DaxConfiguration.fromEnvironment(
                      Map.of(
                          "deviceSize",
                          "32m",
                          "blockSize",
                          8192,
                          "sectorSize",
                          "4k",
                          "mediaErrorModel",
                          "direct_bypass",
                          "umask",
                          "027",
                          "powerFailModel",
                          "strict"));
              assertThat(c.deviceSize()).isEqualTo(32L << 20);
              assertThat(c.powerFailModel()).contains(io.daxfs.PowerFailModel.STRICT);
              assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
              assertThat(c.toString()).contains("powerFailModel=STRICT");
              assertThat(DaxConfiguration.defaults().powerFailModel()).isEmpty();
              assertThat(c.blockSize()).isEqualTo(8192);
              assertThat(c.sectorSize()).isEqualTo(4096);
              assertThat(c.mediaErrorModel()).isEqualTo(MediaErrorModel.DIRECT_BYPASS);
              assertThat(c.umask()).isEqualTo(027);
            }));
    return tests.stream();
  }

  // ---- URIs
  // -----------------------------------------------------------------------------------------

  @TestFactory
  Stream<DynamicTest> badUrisAreIllegalArguments() {
    FileSystemProvider p = DaxFileSystemProvider.instance();
    List<String> forNewFileSystem =
        List.of(
            "dax:///path", // no name
            "dax:///", // no name
            "dax:name", // opaque
            "file://x/", // another scheme
            "dax://x?q=1", // a query
            "dax://x/#f", // a fragment
            "dax://x/data", // a path: a filesystem URI names only the filesystem
            "dax://user@x/", // not a plain name
            "dax://x:99/", // not a plain name
            "dax://-x/"); // names start with a letter or digit
    List<DynamicTest> tests = new ArrayList<>();
    for (String s : forNewFileSystem) {
      tests.add(
          dynamicTest(
              "newFileSystem(" + s + ")",
              () ->
                  assertThatThrownBy(() -> p.newFileSystem(URI.create(s), Map.of()))
                      .isExactlyInstanceOf(IllegalArgumentException.class)));
    }
    for (String s :
        List.of("dax:///path", "dax:name", "file:///x", "dax://x/a?q=1", "dax://x/a#f")) {
      tests.add(
          dynamicTest(
              "getPath(" + s + ")",
              () ->
                  assertThatThrownBy(() -> p.getPath(URI.create(s)))
                      .isInstanceOf(IllegalArgumentException.class)));
      tests.add(
          dynamicTest(
              "getFileSystem(" + s + ")",
              () ->
                  assertThatThrownBy(() -> p.getFileSystem(URI.create(s)))
                      .isInstanceOf(IllegalArgumentException.class)));
    }
    tests.add(
        dynamicTest(
            "FileSystems.newFileSystem with a bad URI and a bad env",
            () ->
                assertThatThrownBy(
                        () ->
                            FileSystems.newFileSystem(
                                URI.create("dax:///path"), Map.of("deviceSize", "lots")))
                    .isInstanceOf(IllegalArgumentException.class)));
    tests.add(
        dynamicTest(
            "a well-formed URI of no open filesystem",
            () -> {
              URI uri = URI.create("dax://" + uniqueName() + "/a");
              assertThatThrownBy(() -> Path.of(uri))
                  .isExactlyInstanceOf(FileSystemNotFoundException.class);
              assertThatThrownBy(() -> p.getFileSystem(uri))
                  .isExactlyInstanceOf(FileSystemNotFoundException.class);
            }));
    tests.add(
        dynamicTest(
            "a name already open",
            () -> {
              String name = uniqueName();
              try (FileSystem first =
                  FileSystems.newFileSystem(URI.create("dax://" + name), Map.of())) {
                assertThatThrownBy(
                        () ->
                            FileSystems.newFileSystem(URI.create("dax://" + name + "/"), Map.of()))
                    .isExactlyInstanceOf(FileSystemAlreadyExistsException.class);
                assertThat(first.isOpen()).isTrue();
              }
            }));
    tests.add(
        dynamicTest(
            "null URIs",
            () -> {
              assertThatThrownBy(() -> p.newFileSystem((URI) null, Map.of()))
                  .isInstanceOf(NullPointerException.class);
              assertThatThrownBy(() -> p.getFileSystem(null))
                  .isInstanceOf(NullPointerException.class);
              assertThatThrownBy(() -> p.getPath(null)).isInstanceOf(NullPointerException.class);
            }));
    return tests.stream();
  }
}
