package io.daxfs.nio;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.nio.file.ExtendedOpenOption;
import com.sun.nio.file.ExtendedWatchEventModifier;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.DaxWatchEventKinds;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code WatchService} and {@code WatchKey} contracts, as the JDK's Linux service keeps them.
 */
class DaxWatchServiceTest {
  private FileSystem fs;
  private WatchService watcher;
  private Path dir;

  @BeforeEach
  void setUp() throws IOException {
    fs = DaxFileSystems.newFileSystem();
    dir = Files.createDirectory(fs.getPath("/dir"));
    watcher = fs.newWatchService();
  }

  @AfterEach
  void tearDown() throws IOException {
    watcher.close();
    fs.close();
  }

  /**
   * The events of the one pending key, as "KIND context" (with "xN" for a count above one); then
   * resets it.
   */
  private List<String> events() {
    WatchKey key = watcher.poll();
    assertThat(key).as("a signalled key").isNotNull();
    List<String> seen = describe(key.pollEvents());
    key.reset();
    assertThat(watcher.poll()).as("no other signalled key").isNull();
    return seen;
  }

  static List<String> describe(List<WatchEvent<?>> events) {
    List<String> seen = new ArrayList<>();
    for (WatchEvent<?> e : events) {
      seen.add(e.kind().name() + " " + e.context() + (e.count() > 1 ? " x" + e.count() : ""));
    }
    return seen;
  }

  private void assertNothingPending() {
    assertThat(watcher.poll()).isNull();
  }

  @Test
  void namespaceChangesArePendingWhenTheOperationReturns() throws IOException {
    WatchKey key = dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    Files.createFile(dir.resolve("a"));
    Files.createDirectory(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("link"), fs.getPath("a"));
    Files.createLink(dir.resolve("hard"), dir.resolve("a"));
    assertThat(events())
        .containsExactly(
            "ENTRY_CREATE a", "ENTRY_CREATE sub", "ENTRY_CREATE link", "ENTRY_CREATE hard");
    Files.move(dir.resolve("a"), dir.resolve("b"));
    Files.delete(dir.resolve("link"));
    assertThat(events()).containsExactly("ENTRY_DELETE a", "ENTRY_CREATE b", "ENTRY_DELETE link");
    Files.createFile(dir.resolve("sub/inner"));
    assertNothingPending(); // only direct children are watched, and a directory's own times are not
    // an event
    assertThat(key.watchable()).isEqualTo(dir);
  }

  @Test
  void contextIsTheRelativeNameInTheWatchedFileSystem() throws IOException {
    dir.register(watcher, ENTRY_CREATE);
    Files.createFile(dir.resolve("name"));
    WatchKey key = watcher.poll();
    WatchEvent<?> event = key.pollEvents().get(0);
    assertThat(event.kind().type()).isEqualTo(Path.class);
    Path context = (Path) event.context();
    assertThat(context.isAbsolute()).isFalse();
    assertThat(context.getFileSystem()).isSameAs(fs);
    assertThat(((Path) key.watchable()).resolve(context)).isEqualTo(dir.resolve("name"));
    assertThat(Files.exists(dir.resolve(context))).isTrue();
  }

  @Test
  void everyWritePathIsAModification() throws Exception {
    Path f = dir.resolve("f");
    Files.write(f, new byte[4096]);
    dir.register(watcher, ENTRY_MODIFY);
    try (FileChannel ch = FileChannel.open(f, WRITE)) {
      ch.write(ByteBuffer.allocate(10), 0);
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (FileChannel ch = FileChannel.open(f, WRITE)) {
      ch.write(new ByteBuffer[] {ByteBuffer.allocate(3), ByteBuffer.allocate(2)});
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (FileChannel ch = FileChannel.open(f, WRITE)) {
      ch.write(
          ByteBuffer.allocate(2048),
          0); // large enough to be written in place, without the file's lock
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (OutputStream out = Files.newOutputStream(f, java.nio.file.StandardOpenOption.APPEND)) {
      out.write(1);
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(f, WRITE)) {
      ch.write(ByteBuffer.allocate(1), 7).get();
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (FileChannel ch = FileChannel.open(f, WRITE, ExtendedOpenOption.DIRECT)) {
      ch.write(ByteBuffer.allocateDirect(1024).alignedSlice(512).limit(512), 512);
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    try (FileChannel ch = FileChannel.open(f, WRITE)) {
      ch.truncate(100);
      ch.truncate(200); // not a change: the JDK does not even call ftruncate
    }
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    DaxFiles.punchHole(f, 0, 50);
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
  }

  @Test
  void readingIsNotAModification() throws IOException {
    Path f = dir.resolve("f");
    Files.write(f, new byte[100]);
    dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    Files.readAllBytes(f);
    try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
      ch.read(ByteBuffer.allocate(10), 0);
      ch.write(ByteBuffer.allocate(0), 0);
      ch.force(true); // nothing mapped: nothing to announce
    }
    Files.readAttributes(f, "*");
    assertNothingPending();
  }

  @Test
  void truncatingOnOpenIsAModificationOfAnExistingFileOnly() throws IOException {
    dir.register(watcher, ENTRY_CREATE, ENTRY_MODIFY);
    Files.write(
        dir.resolve("e"), new byte[0]); // O_CREAT|O_TRUNC of a new file: created, nothing truncated
    assertThat(events()).containsExactly("ENTRY_CREATE e");
    Files.newByteChannel(dir.resolve("e"), WRITE, TRUNCATE_EXISTING)
        .close(); // empty already: still O_TRUNC
    assertThat(events()).containsExactly("ENTRY_MODIFY e");
  }

  @Test
  void attributeChangesAreModifications() throws IOException {
    Path f = Files.createFile(dir.resolve("f"));
    dir.register(watcher, ENTRY_MODIFY);
    Files.setLastModifiedTime(f, FileTime.fromMillis(0));
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    Files.setOwner(f, fs.getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    Files.setAttribute(f, "unix:gid", 4242);
    assertThat(events()).containsExactly("ENTRY_MODIFY f");
    Files.getFileAttributeView(f, java.nio.file.attribute.BasicFileAttributeView.class)
        .setTimes(null, null, null);
    assertNothingPending(); // the JDK does nothing at all then
  }

  @Test
  void writableMappingIsAnnouncedAtMapAndAtForce() throws IOException {
    Path f = dir.resolve("f");
    Files.write(f, new byte[8192]);
    dir.register(watcher, ENTRY_MODIFY);
    try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
      ch.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
      assertNothingPending();
      MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
      assertThat(events()).containsExactly("ENTRY_MODIFY f");
      m.put(0, (byte) 1);
      ch.force(false);
      assertThat(events()).containsExactly("ENTRY_MODIFY f");
    }
  }

  @Test
  void changesThroughASymbolicLinkAreAnnouncedWhereTheFileIs() throws IOException {
    Path other = Files.createDirectory(fs.getPath("/other"));
    Path target = Files.createFile(other.resolve("target"));
    Files.createSymbolicLink(dir.resolve("link"), target);
    WatchKey dirKey = dir.register(watcher, ENTRY_MODIFY);
    WatchKey otherKey = other.register(watcher, ENTRY_MODIFY);
    Files.writeString(dir.resolve("link"), "x");
    Files.setPosixFilePermissions(
        dir.resolve("link"), PosixFilePermissions.fromString("rw-------"));
    // writeString truncates (a modification even of an empty file, as O_TRUNC) and then writes
    assertThat(events()).containsExactly("ENTRY_MODIFY target x3");
    assertThat(dirKey.isValid()).isTrue();
    assertThat(otherKey.isValid()).isTrue();
  }

  @Test
  void aFileWithSeveralNamesIsAnnouncedUnderEachName() throws IOException {
    Path other = Files.createDirectory(fs.getPath("/other"));
    Path f = Files.createFile(dir.resolve("f"));
    Files.createLink(other.resolve("g"), f);
    dir.register(watcher, ENTRY_MODIFY);
    other.register(watcher, ENTRY_MODIFY);
    Files.writeString(other.resolve("g"), "x");
    List<String> seen = new ArrayList<>();
    for (WatchKey key; (key = watcher.poll()) != null; ) {
      seen.addAll(describe(key.pollEvents()));
      key.reset();
    }
    assertThat(seen)
        .containsExactlyInAnyOrder("ENTRY_MODIFY f x2", "ENTRY_MODIFY g x2"); // truncation, write
    Files.delete(other.resolve("g"));
    Files.setLastModifiedTime(f, FileTime.fromMillis(0));
    assertThat(events()).containsExactly("ENTRY_MODIFY f"); // a removed name is no longer announced
  }

  @Test
  void onlyRegisteredKindsAreQueued() throws IOException {
    dir.register(watcher, ENTRY_DELETE);
    Path f = Files.createFile(dir.resolve("f"));
    Files.writeString(f, "x");
    assertNothingPending();
    Files.delete(f);
    assertThat(events()).containsExactly("ENTRY_DELETE f");
  }

  @Test
  void repeatedEventsAreCountedAsTheJdkDoes() throws IOException {
    Path f = Files.createFile(dir.resolve("f"));
    Path g = Files.createFile(dir.resolve("g"));
    dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    touch(f);
    touch(g);
    touch(f); // the last event of f is still a pending modify: counted there
    Files.delete(g);
    Files.createFile(g);
    touch(g); // g's pending modify is older than its delete: a new event
    touch(g);
    assertThat(events())
        .containsExactly(
            "ENTRY_MODIFY f x2",
            "ENTRY_MODIFY g",
            "ENTRY_DELETE g",
            "ENTRY_CREATE g",
            "ENTRY_MODIFY g x2");
  }

  private static void touch(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.fromMillis(0));
  }

  @Test
  void aFullKeyDropsItsEventsForOneOverflow() throws IOException {
    dir.register(watcher, ENTRY_CREATE);
    for (int i = 0; i < DaxWatchKey.MAX_EVENTS; i++) {
      Files.createFile(dir.resolve("f" + i));
    }
    WatchKey key = watcher.poll();
    for (int i = 0; i < 88; i++) {
      Files.createFile(dir.resolve("g" + i));
    }
    List<WatchEvent<?>> events = key.pollEvents();
    assertThat(events).hasSize(1);
    assertThat(events.get(0).kind()).isEqualTo(OVERFLOW);
    assertThat(events.get(0).context()).isNull();
    assertThat(events.get(0).count()).isEqualTo(88);
    assertThat(key.reset()).isTrue();
    Files.createFile(dir.resolve("after"));
    assertThat(events()).containsExactly("ENTRY_CREATE after");
  }

  @Test
  void aSignalledKeyIsQueuedOnceUntilReset() throws IOException {
    WatchKey key = dir.register(watcher, ENTRY_CREATE);
    Files.createFile(dir.resolve("a"));
    assertThat(watcher.poll()).isSameAs(key);
    Files.createFile(dir.resolve("b"));
    assertThat(watcher.poll()).as("signalled, not ready: not queued again").isNull();
    assertThat(key.reset()).isTrue(); // events pending: queued again at once
    assertThat(watcher.poll()).isSameAs(key);
    assertThat(describe(key.pollEvents())).containsExactly("ENTRY_CREATE a", "ENTRY_CREATE b");
    assertThat(key.pollEvents()).isEmpty();
    assertThat(key.reset()).isTrue();
    assertNothingPending();
    Files.createFile(dir.resolve("c"));
    assertThat(watcher.poll()).isSameAs(key);
  }

  @Test
  void registeringAgainReturnsTheSameKeyWithTheNewKinds() throws IOException {
    WatchKey first = dir.register(watcher, ENTRY_CREATE);
    Path link = Files.createSymbolicLink(fs.getPath("/link"), dir);
    WatchKey second = link.register(watcher, ENTRY_DELETE);
    assertThat(second).isSameAs(first);
    assertThat(second.watchable()).isEqualTo(dir);
    Files.createFile(dir.resolve("a"));
    assertNothingPending();
    Files.delete(dir.resolve("a"));
    assertThat(events()).containsExactly("ENTRY_DELETE a");
  }

  @Test
  void everyServiceGetsEveryEvent() throws IOException {
    try (WatchService second = fs.newWatchService()) {
      WatchKey one = dir.register(watcher, ENTRY_CREATE);
      WatchKey two = dir.register(second, ENTRY_CREATE);
      assertThat(two).isNotSameAs(one);
      Files.createFile(dir.resolve("a"));
      assertThat(describe(watcher.poll().pollEvents())).containsExactly("ENTRY_CREATE a");
      assertThat(describe(second.poll().pollEvents())).containsExactly("ENTRY_CREATE a");
      one.cancel();
      Files.createFile(dir.resolve("b"));
      assertThat(watcher.poll()).isNull();
      assertThat(two.reset()).isTrue();
      assertThat(describe(second.poll().pollEvents())).containsExactly("ENTRY_CREATE b");
    }
  }

  @Test
  void aCancelledKeyIsInvalidAndHearsNothing() throws IOException {
    WatchKey key = dir.register(watcher, ENTRY_CREATE);
    key.cancel();
    key.cancel(); // no effect
    assertThat(key.isValid()).isFalse();
    assertThat(key.reset()).isFalse();
    Files.createFile(dir.resolve("a"));
    assertNothingPending();
    assertThat(dir.register(watcher, ENTRY_CREATE)).as("a new key").isNotSameAs(key);
  }

  @Test
  void aDeletedDirectoryInvalidatesItsKeyAndQueuesIt() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    WatchKey key = sub.register(watcher, ENTRY_CREATE);
    Files.delete(sub);
    assertThat(key.isValid()).isFalse();
    assertThat(watcher.poll()).isSameAs(key);
    assertThat(key.pollEvents()).isEmpty();
    assertThat(key.reset()).isFalse();
    Files.createDirectory(sub);
    Files.createFile(sub.resolve("a"));
    assertNothingPending(); // a new directory by the old name is not the one watched
  }

  @Test
  void aDirectoryReplacedByAMoveInvalidatesItsKey() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path other = Files.createDirectory(dir.resolve("other"));
    WatchKey key = sub.register(watcher, ENTRY_CREATE);
    Files.move(other, sub, StandardCopyOption.ATOMIC_MOVE);
    assertThat(key.isValid()).isFalse();
    assertThat(watcher.poll()).isSameAs(key);
  }

  @Test
  void aMovedDirectoryKeepsItsKeyAsOnLinux() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    WatchKey key = sub.register(watcher, ENTRY_CREATE);
    Files.move(sub, fs.getPath("/moved"));
    Files.createFile(fs.getPath("/moved/a"));
    assertThat(key.isValid()).isTrue();
    assertThat(events()).containsExactly("ENTRY_CREATE a");
    assertThat(key.watchable())
        .isEqualTo(sub); // the path given at registration, as the JDK keeps it
  }

  @Test
  void registerRefusesWhatLinuxRefuses() throws IOException {
    Path f = Files.createFile(dir.resolve("f"));
    assertThatThrownBy(() -> f.register(watcher, ENTRY_CREATE))
        .isInstanceOf(NotDirectoryException.class)
        .hasMessage(f.toString());
    assertThatThrownBy(() -> dir.resolve("missing").register(watcher, ENTRY_CREATE))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> dir.register(watcher))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No events to register");
    assertThatThrownBy(() -> dir.register(watcher, OVERFLOW))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> dir.register(watcher, ENTRY_CREATE, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> dir.register(null, ENTRY_CREATE))
        .isInstanceOf(NullPointerException.class);
    WatchEvent.Kind<Path> unknown =
        new WatchEvent.Kind<>() {
          @Override
          public String name() {
            return "UNKNOWN";
          }

          @Override
          public Class<Path> type() {
            return Path.class;
          }
        };
    assertThatThrownBy(() -> dir.register(watcher, unknown))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("UNKNOWN");
    assertThatThrownBy(
            () ->
                dir.register(
                    watcher,
                    new WatchEvent.Kind<?>[] {ENTRY_CREATE},
                    ExtendedWatchEventModifier.FILE_TREE))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("Modifier not supported");
    assertThat(dir.register(watcher, new WatchEvent.Kind<?>[] {ENTRY_CREATE}, sensitivity()))
        .isNotNull();
    try (WatchService host = FileSystems.getDefault().newWatchService()) {
      assertThatThrownBy(() -> dir.register(host, ENTRY_CREATE))
          .isInstanceOf(ProviderMismatchException.class);
    }
    try (FileSystem another = DaxFileSystems.newFileSystem();
        WatchService foreign = another.newWatchService()) {
      assertThatThrownBy(() -> dir.register(foreign, ENTRY_CREATE))
          .isInstanceOf(ProviderMismatchException.class);
    }
  }

  /** {@code SensitivityWatchEventModifier.HIGH}, named reflectively: newer JDKs deprecate it. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static WatchEvent.Modifier sensitivity() {
    try {
      Class<? extends Enum> type =
          (Class<? extends Enum>) Class.forName("com.sun.nio.file.SensitivityWatchEventModifier");
      return (WatchEvent.Modifier) Enum.valueOf(type, "HIGH");
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aClosedServiceFailsEveryCallAndInvalidatesItsKeys() throws Exception {
    WatchKey key = dir.register(watcher, ENTRY_CREATE);
    Files.createFile(dir.resolve("a"));
    watcher.close();
    watcher.close(); // idempotent
    assertThat(key.isValid()).isFalse();
    assertThat(key.reset()).isFalse();
    assertThatThrownBy(watcher::poll).isInstanceOf(ClosedWatchServiceException.class);
    assertThatThrownBy(() -> watcher.poll(1, TimeUnit.SECONDS))
        .isInstanceOf(ClosedWatchServiceException.class);
    assertThatThrownBy(watcher::take).isInstanceOf(ClosedWatchServiceException.class);
    assertThatThrownBy(() -> dir.register(watcher, ENTRY_CREATE))
        .isInstanceOf(ClosedWatchServiceException.class);
    assertThat(((DaxFileSystem) fs).volume().changeListener())
        .as("nobody listens any more")
        .isNull();
  }

  @Test
  void closingTheFileSystemClosesItsWatchServices() throws IOException {
    WatchKey key = dir.register(watcher, ENTRY_CREATE);
    fs.close();
    assertThat(key.isValid()).isFalse();
    assertThatThrownBy(watcher::poll).isInstanceOf(ClosedWatchServiceException.class);
    assertThatThrownBy(fs::newWatchService).isInstanceOf(ClosedFileSystemException.class);
  }

  @Test
  void nobodyListensWhileNoKeyIsValid() throws IOException {
    DaxFileSystem dax = (DaxFileSystem) fs;
    assertThat(dax.volume().changeListener()).isNull(); // a watch service alone costs nothing
    WatchKey one = dir.register(watcher, ENTRY_CREATE);
    Path sub = Files.createDirectory(dir.resolve("sub"));
    WatchKey two = sub.register(watcher, ENTRY_CREATE);
    assertThat(dax.volume().changeListener()).isNotNull();
    one.cancel();
    assertThat(dax.volume().changeListener()).isNotNull();
    Files.delete(sub); // invalidates the other
    assertThat(two.isValid()).isFalse();
    assertThat(dax.volume().changeListener()).isNull();
  }

  @Test
  void startsNoThread() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
    Files.writeString(dir.resolve("a"), "x");
    Files.delete(dir.resolve("a"));
    assertThat(watcher.poll(10, TimeUnit.MILLISECONDS)).isNotNull();
    watcher.close();
    java.util.Set<Thread> after = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
    after.removeAll(before);
    assertThat(after).isEmpty();
  }

  @Test
  void mediaErrorsReachOnlyWatchersThatAskedForThem() throws Exception {
    Path f = dir.resolve("f");
    Files.write(f, new byte[8192]);
    Files.write(dir.resolve("healthy"), new byte[8192]);
    try (WatchService plain = fs.newWatchService()) {
      WatchKey key = dir.register(watcher, DaxWatchEventKinds.ENTRY_MEDIA_ERROR);
      dir.register(plain, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
      DaxFiles.injectError(f, 4096, 512);
      WatchKey signalled =
          watcher.poll(10, TimeUnit.SECONDS); // delivered on the device's notifier thread
      assertThat(signalled).isSameAs(key);
      List<WatchEvent<?>> events = signalled.pollEvents();
      assertThat(describe(events)).containsExactly("ENTRY_MEDIA_ERROR f");
      assertThat(events.get(0).kind()).isSameAs(DaxWatchEventKinds.ENTRY_MEDIA_ERROR);
      assertThat(plain.poll(200, TimeUnit.MILLISECONDS)).isNull();
      key.reset();
      key.cancel();
      DaxFiles.injectError(f, 0, 512);
      assertThat(watcher.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void mediaErrorsOutsideTheWatchedDirectoryAreNotReported() throws Exception {
    Path elsewhere = Files.createDirectory(fs.getPath("/elsewhere"));
    Path f = elsewhere.resolve("f");
    Files.write(f, new byte[8192]);
    dir.register(watcher, DaxWatchEventKinds.ENTRY_MEDIA_ERROR, ENTRY_CREATE);
    DaxFiles.injectError(f, 0, 512);
    Files.createFile(dir.resolve("marker"));
    Thread.sleep(200); // the notifier runs after the injection returned
    assertThat(events()).containsExactly("ENTRY_CREATE marker");
  }
}
