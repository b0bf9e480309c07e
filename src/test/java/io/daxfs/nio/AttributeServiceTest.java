package io.daxfs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.google.common.base.Splitter;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.daxfs.AccessPath;
import io.daxfs.DaxConfiguration;
import io.daxfs.fs.Directory;
import io.daxfs.fs.PathNames;
import io.daxfs.fs.RegularFile;
import io.daxfs.fs.SymbolicLink;
import io.daxfs.fs.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.DosFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AttributeServiceTest {
  private static final Set<PosixFilePermission> RW_R__R__ =
      PosixFilePermissions.fromString("rw-r--r--");

  /** Paths for the volume, parsed from slash-separated text. */
  private record Names(String text) implements PathNames {
    private List<String> parts() {
      return Splitter.on('/').omitEmptyStrings().splitToList(text);
    }

    @Override
    public boolean isAbsolute() {
      return text.startsWith("/");
    }

    @Override
    public int nameCount() {
      return parts().size();
    }

    @Override
    public String name(int index) {
      return parts().get(index);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** A principal of some other provider. */
  private record Alien(String getName) implements UserPrincipal, GroupPrincipal {}

  @TempDir Path tmp;

  private Volume volume;
  private FileSystem jimfs;
  private Path jimfsFile;

  @BeforeEach
  void setUp() throws IOException {
    volume = Volume.create(DaxConfiguration.defaults());
    // Configuration.unix() itself offers only "basic"; these are the views daxfs has.
    jimfs =
        Jimfs.newFileSystem(
            Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix")
                .build());
    jimfsFile = Files.createFile(jimfs.getPath("/f"));
  }

  @AfterEach
  void tearDown() throws IOException {
    jimfs.close();
    volume.close();
  }

  private RegularFile file(String path) throws IOException {
    RegularFile f =
        volume.open(volume.root(), new Names(path), new Volume.OpenSpec(true, false, true, 0644));
    f.release();
    return f;
  }

  private Directory directory(String path) throws IOException {
    return volume.createDirectory(volume.root(), new Names(path), 0755);
  }

  private SymbolicLink symlink(String path, String target) throws IOException {
    return volume.createSymbolicLink(volume.root(), new Names(path), target, 0777);
  }

  /** Resolves {@code path} at each call, following links, as the provider will. */
  private InodeSource src(String path) {
    return () -> volume.resolve(volume.root(), new Names(path), true);
  }

  private InodeSource noFollow(String path) {
    return () -> volume.resolve(volume.root(), new Names(path), false);
  }

  /** A source that must not be used: proves an argument is checked before the file is resolved. */
  private static final InodeSource UNUSED =
      () -> {
        throw new AssertionError("file resolved");
      };

  private static long nanos(FileTime t) {
    return t.to(TimeUnit.NANOSECONDS);
  }

  // ---- the default provider as the reference ---------------------------------------------------

  /**
   * What a call did: the keys of a returned map, "ok", or the exception (with its message when it
   * is the grammar's).
   */
  private static String outcome(Callable<?> call) {
    try {
      Object r = call.call();
      return r instanceof Map<?, ?> m
          ? "keys " + new TreeSet<>(m.keySet().stream().map(String::valueOf).toList())
          : "ok";
    } catch (ProviderMismatchException e) {
      return e.getClass().getName(); // daxfs says which principal; the JDK says nothing
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    } catch (Exception e) {
      return e.getClass().getName();
    }
  }

  private void assumeLinuxDefaultProvider() {
    assumeThat(FileSystems.getDefault().supportedFileAttributeViews())
        .contains("unix", "posix", "owner");
  }

  static Stream<String> readStrings() {
    return Stream.of(
        "size",
        "basic:size",
        "basic:size,isOther",
        "*",
        "basic:*",
        "basic:*,size",
        "basic:*,*",
        "basic:size,",
        "basic:,",
        "basic:",
        "basic:,size",
        "basic:size,,isOther",
        "",
        "basic:foo",
        "basic:a:b",
        "Basic:size",
        " basic:size",
        "basic: size",
        "posix:*",
        "posix:permissions,owner,group",
        "posix:mode",
        "unix:*",
        "unix:uid,gid,mode,ino,dev,rdev,nlink,ctime",
        "unix:foo",
        "unix:*,size",
        "owner:*",
        "owner:owner",
        "owner:owner,foo",
        "owner:foo,owner",
        "owner:,",
        "owner:size",
        ":size",
        ":",
        "foo:size",
        "foo:",
        "acl:*");
  }

  @ParameterizedTest
  @MethodSource("readStrings")
  void readMatchesDefaultProvider(String attributes) throws IOException {
    assumeLinuxDefaultProvider();
    Path real = Files.createFile(tmp.resolve("f"));
    file("/f");
    assertThat(outcome(() -> AttributeService.read(src("/f"), attributes)))
        .isEqualTo(outcome(() -> Files.readAttributes(real, attributes)));
    assertThat(outcome(() -> AttributeService.read(src("/missing"), attributes)))
        .isEqualTo(outcome(() -> Files.readAttributes(tmp.resolve("missing"), attributes)));
  }

  static Stream<Arguments> sets() {
    FileTime t = FileTime.fromMillis(1_000);
    return Stream.of(
        Arguments.of("basic:size", 1L),
        Arguments.of("basic:lastModifiedTime", null),
        Arguments.of("basic:lastModifiedTime", 5L),
        Arguments.of("lastModifiedTime", t),
        Arguments.of("basic:lastAccessTime", t),
        Arguments.of("basic:lastAccessTime", "x"),
        Arguments.of("basic:isOther", true),
        Arguments.of("basic:fileKey", null),
        Arguments.of("basic:foo", 1),
        Arguments.of("basic:", 1),
        Arguments.of("basic:*", 1),
        Arguments.of("", 1),
        Arguments.of(":x", 1),
        Arguments.of("foo:bar", 1),
        Arguments.of("posix:permissions", null),
        Arguments.of("posix:permissions", "x"),
        Arguments.of("posix:permissions", Set.of("x")),
        Arguments.of("posix:permissions", RW_R__R__),
        Arguments.of("posix:owner", null),
        Arguments.of("posix:owner", "x"),
        Arguments.of("posix:owner", new Alien("x")),
        Arguments.of("posix:group", null),
        Arguments.of("posix:group", "x"),
        Arguments.of("posix:group", new Alien("x")),
        Arguments.of("posix:mode", 1),
        Arguments.of("posix:size", 1L),
        Arguments.of("unix:mode", null),
        Arguments.of("unix:mode", 5L),
        Arguments.of("unix:mode", 0100644),
        Arguments.of("unix:uid", -1),
        Arguments.of("unix:gid", -1),
        Arguments.of("unix:uid", "0"),
        Arguments.of("unix:gid", null),
        Arguments.of("unix:ino", 1L),
        Arguments.of("unix:ctime", t),
        Arguments.of("unix:nlink", 1),
        Arguments.of("unix:permissions", RW_R__R__),
        Arguments.of("unix:lastModifiedTime", t),
        Arguments.of("owner:owner", null),
        Arguments.of("owner:owner", "x"),
        Arguments.of("owner:owner", new Alien("x")),
        Arguments.of("owner:foo", 1),
        Arguments.of("owner:permissions", RW_R__R__));
  }

  @ParameterizedTest
  @MethodSource("sets")
  void setMatchesDefaultProvider(String attribute, Object value) throws IOException {
    assumeLinuxDefaultProvider();
    Path real = Files.createFile(tmp.resolve("f"));
    file("/f");
    assertThat(
            outcome(
                () -> {
                  AttributeService.set(src("/f"), attribute, value);
                  return null;
                }))
        .isEqualTo(outcome(() -> Files.setAttribute(real, attribute, value)));
    assertThat(
            outcome(
                () -> {
                  AttributeService.set(src("/missing"), attribute, value);
                  return null;
                }))
        .isEqualTo(outcome(() -> Files.setAttribute(tmp.resolve("missing"), attribute, value)));
  }

  @Test
  void creationTimeIsKeptUnlikeOnLinux() throws IOException {
    RegularFile f = file("/f");
    AttributeService.set(src("/f"), "basic:creationTime", FileTime.fromMillis(1_000));
    assertThat(f.creationTime()).isEqualTo(1_000_000_000L);
    // The JDK on Linux ignores a creation time without looking at the file; daxfs stores it, so
    // it needs the file.
    assertThatThrownBy(
            () -> AttributeService.set(src("/missing"), "creationTime", FileTime.fromMillis(1)))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void unixValueTypesMatchDefaultProvider() throws IOException {
    assumeLinuxDefaultProvider();
    Map<String, Object> real = Files.readAttributes(Files.createFile(tmp.resolve("f")), "unix:*");
    file("/f");
    Map<String, Object> ours = AttributeService.read(src("/f"), "unix:*");
    assertThat(ours.keySet()).isEqualTo(real.keySet());
    for (String name : ours.keySet()) {
      Object value = ours.get(name);
      switch (name) {
        case "owner" ->
            assertThat(value)
                .isInstanceOf(UserPrincipal.class)
                .isNotInstanceOf(GroupPrincipal.class);
        case "group" -> assertThat(value).isInstanceOf(GroupPrincipal.class);
        case "permissions" -> assertThat(value).isInstanceOf(Set.class);
        case "fileKey" -> assertThat(value).isNotNull();
        default -> assertThat(value).as(name).isExactlyInstanceOf(real.get(name).getClass());
      }
    }
  }

  @Test
  void initialAttributeErrorsMatchDefaultProvider() {
    assumeLinuxDefaultProvider();
    List<FileAttribute<?>> cases = new ArrayList<>();
    cases.add(attr("basic:lastModifiedTime", FileTime.fromMillis(1)));
    cases.add(attr("posix:owner", new Alien("x")));
    cases.add(attr("foo:bar", 1));
    cases.add(attr("permissions", RW_R__R__));
    cases.add(attr("posix:permissions", "x"));
    cases.add(attr("posix:permissions", null));
    cases.add(attr("unix:permissions", Set.of("x")));
    cases.add(null);
    for (FileAttribute<?> a : cases) {
      String real = outcome(() -> Files.createFile(tmp.resolve("g"), a));
      assertThat(outcome(() -> AttributeService.initialPermissions(0666, a)))
          .as(String.valueOf(a))
          .isEqualTo(real);
    }
  }

  // ---- Jimfs where it agrees with the JDK, and where it does not ------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        ":size",
        "basic:",
        "basic:foo",
        "basic:,size",
        "",
        "posix:mode",
        "unix:foo",
        "owner:owner,foo"
      })
  void readErrorTypesMatchJimfs(String attributes) throws IOException {
    file("/f");
    Class<?> jimfsError = thrownBy(() -> Files.readAttributes(jimfsFile, attributes)).getClass();
    assertThatThrownBy(() -> AttributeService.read(src("/f"), attributes))
        .isExactlyInstanceOf(jimfsError);
  }

  @Test
  void readKeysMatchJimfs() throws IOException {
    file("/f");
    for (String view : List.of("basic", "posix", "unix", "owner")) {
      assertThat(AttributeService.read(src("/f"), view + ":*").keySet())
          .as(view)
          .isEqualTo(Files.readAttributes(jimfsFile, view + ":*").keySet());
    }
  }

  @Test
  void readDeviationsFromJimfsFollowTheJdk() throws IOException {
    file("/f");
    // Jimfs rejects "*" with other names and a trailing comma; the JDK accepts both.
    assertThatThrownBy(() -> Files.readAttributes(jimfsFile, "basic:*,size"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(AttributeService.read(src("/f"), "basic:*,size")).hasSize(9);
    assertThatThrownBy(() -> Files.readAttributes(jimfsFile, "size,"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(AttributeService.read(src("/f"), "size,")).containsOnlyKeys("size");
    // Jimfs: an unknown view is an IllegalArgumentException; the JDK:
    // UnsupportedOperationException.
    assertThatThrownBy(() -> Files.readAttributes(jimfsFile, "foo:size"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.read(src("/f"), "foo:size"))
        .isExactlyInstanceOf(UnsupportedOperationException.class)
        .hasMessage("View 'foo' not available");
    // Jimfs resolves the file first; the JDK checks names first.
    assertThatThrownBy(() -> Files.readAttributes(jimfs.getPath("/missing"), "basic:foo"))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> AttributeService.read(src("/missing"), "basic:foo"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("'foo' not recognized");
  }

  @Test
  void setErrorTypesMatchJimfsWhereItAgrees() throws IOException {
    file("/f");
    for (String readOnly : List.of("basic:size", "unix:ino", "posix:isDirectory")) {
      assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, readOnly, 1L)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> AttributeService.set(src("/f"), readOnly, 1L))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage("'" + readOnly + "' not recognized");
    }
    assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, "foo:bar", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "foo:bar", 1))
        .isExactlyInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void setDeviationsFromJimfsFollowTheJdk() throws IOException {
    RegularFile f = file("/f");
    // Jimfs: a wrong type is an IllegalArgumentException; the JDK: ClassCastException.
    assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, "lastModifiedTime", 5L)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "lastModifiedTime", 5L))
        .isInstanceOf(ClassCastException.class);
    // Jimfs: an unknown name is an UnsupportedOperationException; the JDK:
    // IllegalArgumentException.
    assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, "basic:foo", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "basic:foo", 1))
        .isExactlyInstanceOf(IllegalArgumentException.class);
    // Jimfs: a null time is an NPE; the JDK: nothing happens.
    assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, "lastModifiedTime", null)))
        .isInstanceOf(NullPointerException.class);
    long before = f.changeTime();
    AttributeService.set(UNUSED, "lastModifiedTime", null);
    assertThat(f.changeTime()).isEqualTo(before);
    // Jimfs: unix:mode/uid/gid are read-only; the JDK sets them (chmod, chown).
    assertThat(thrownBy(() -> Files.setAttribute(jimfsFile, "unix:mode", 0600)))
        .isInstanceOf(IllegalArgumentException.class);
    AttributeService.set(src("/f"), "unix:mode", 0600);
    assertThat(f.permissions()).isEqualTo(0600);
    // Jimfs takes any principal; the JDK refuses another provider's (and a group as owner).
    UserPrincipal alien = new Alien("x");
    Files.setAttribute(jimfsFile, "posix:owner", alien);
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "posix:owner", alien))
        .isInstanceOf(ProviderMismatchException.class);
    // Jimfs: a wrongly typed initial permission set is an IllegalArgumentException; the JDK:
    // ClassCastException.
    FileAttribute<?> bad = attr("posix:permissions", "rw-r--r--");
    assertThat(thrownBy(() -> Files.createFile(jimfs.getPath("/g"), bad)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.initialPermissions(0666, bad))
        .isInstanceOf(ClassCastException.class);
  }

  private static Throwable thrownBy(Callable<?> call) {
    try {
      call.call();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("nothing thrown");
  }

  private static FileAttribute<Object> attr(String name, Object value) {
    return new FileAttribute<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Object value() {
        return value;
      }

      @Override
      public String toString() {
        return name + "=" + value;
      }
    };
  }

  // ---- the grammar, on its own ---------------------------------------------------------------

  @Test
  void readGrammar() throws IOException {
    RegularFile f = file("/f");
    assertThat(AttributeService.read(src("/f"), "size")).containsExactly(Map.entry("size", 0L));
    assertThat(AttributeService.read(src("/f"), "basic:isOther,size"))
        .containsOnly(Map.entry("size", 0L), Map.entry("isOther", false));
    assertThat(AttributeService.read(src("/f"), "*").keySet())
        .containsExactly(
            "lastModifiedTime",
            "lastAccessTime",
            "creationTime",
            "size",
            "isRegularFile",
            "isDirectory",
            "isSymbolicLink",
            "isOther",
            "fileKey");
    assertThat(AttributeService.read(src("/f"), "posix:*")).hasSize(12);
    assertThat(AttributeService.read(src("/f"), "unix:*")).hasSize(20);
    assertThat(AttributeService.read(src("/f"), "basic:,")).isEmpty();
    assertThat(AttributeService.read(src("/f"), "owner:*,owner"))
        .containsExactly(Map.entry("owner", new DaxPrincipals.User(f.owner())));
    assertThatThrownBy(() -> AttributeService.read(src("/f"), (String) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AttributeService.read(src("/f"), ":size"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(":size");
    assertThatThrownBy(() -> AttributeService.read(src("/f"), "owner:size"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("'owner:size' not recognized");
    assertThatThrownBy(() -> AttributeService.read(src("/f"), "posix:uid"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("'uid' not recognized");
  }

  @Test
  void namesAreCheckedBeforeTheFileIsResolved() {
    assertThatThrownBy(() -> AttributeService.read(UNUSED, "basic:size,foo"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.read(UNUSED, "owner:foo,owner"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.read(UNUSED, "dos:*"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.set(UNUSED, "basic:size", 1L))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AttributeService.set(UNUSED, "unix:mode", "x"))
        .isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> AttributeService.set(UNUSED, "posix:owner", new Alien("x")))
        .isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> AttributeService.read(UNUSED, DosFileAttributes.class))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void readMapsAreUnmodifiable() throws IOException {
    file("/f");
    for (String s : List.of("*", "posix:*", "unix:*", "owner:*")) {
      Map<String, Object> m = AttributeService.read(src("/f"), s);
      assertThatThrownBy(() -> m.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void unixValues() throws IOException {
    RegularFile f = file("/f");
    f.write(AccessPath.DAX, 0, ByteBuffer.wrap("hello".getBytes(UTF_8)));
    AttributeService.set(src("/f"), "unix:mode", 04755);
    Map<String, Object> m = AttributeService.read(src("/f"), "unix:*");
    assertThat(m.get("mode")).isEqualTo(0104755);
    assertThat(m.get("permissions")).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(m.get("ino")).isEqualTo(f.id());
    assertThat(m.get("dev")).isEqualTo(((DaxFileKey) AttributeService.fileKey(f)).dev());
    assertThat(m.get("rdev")).isEqualTo(0L);
    assertThat(m.get("nlink")).isEqualTo(1);
    assertThat(m.get("size")).isEqualTo(5L);
    assertThat(m.get("ctime")).isEqualTo(FileTime.from(f.changeTime(), TimeUnit.NANOSECONDS));
    assertThat(m.get("lastModifiedTime"))
        .isEqualTo(FileTime.from(f.lastModifiedTime(), TimeUnit.NANOSECONDS));
    assertThat(m.get("uid")).isEqualTo(DaxPrincipals.uid(f.owner()));
    assertThat(m.get("gid")).isEqualTo(DaxPrincipals.gid(f.group()));
    assertThat(m.get("isRegularFile")).isEqualTo(true);
  }

  @Test
  void directoriesAndLinks() throws IOException {
    Directory d = directory("/d");
    symlink("/l", "d");
    assertThat(AttributeService.read(src("/d"), "unix:isDirectory,size,nlink,mode"))
        .containsOnly(
            Map.entry("isDirectory", true),
            Map.entry("size", (long) volume.blockSize()),
            Map.entry("nlink", 2),
            Map.entry("mode", 040755));
    assertThat(AttributeService.read(src("/l"), BasicFileAttributes.class).fileKey())
        .isEqualTo(AttributeService.fileKey(d));
    PosixFileAttributes link = AttributeService.read(noFollow("/l"), PosixFileAttributes.class);
    assertThat(link.isSymbolicLink()).isTrue();
    assertThat(link.isDirectory()).isFalse();
    assertThat(link.isOther()).isFalse();
    assertThat(link.size()).isEqualTo(1L);
    assertThat(AttributeService.read(noFollow("/l"), "unix:mode")).containsEntry("mode", 0120777);
  }

  // ---- setting -------------------------------------------------------------------------------

  @Test
  void setTimes() throws IOException {
    RegularFile f = file("/f");
    AttributeService.set(src("/f"), "lastModifiedTime", FileTime.fromMillis(1_000));
    AttributeService.set(
        src("/f"), "basic:lastAccessTime", FileTime.from(1_234_567_891L, TimeUnit.NANOSECONDS));
    AttributeService.set(src("/f"), "unix:creationTime", FileTime.fromMillis(3_000));
    assertThat(f.lastModifiedTime()).isEqualTo(1_000_000_000L);
    assertThat(f.lastAccessTime()).isEqualTo(1_234_567_891L);
    assertThat(f.creationTime()).isEqualTo(3_000_000_000L);

    BasicFileAttributeView view = AttributeService.view(src("/f"), BasicFileAttributeView.class);
    view.setTimes(FileTime.fromMillis(5_000), null, null);
    assertThat(f.lastModifiedTime()).isEqualTo(5_000_000_000L);
    assertThat(f.lastAccessTime()).isEqualTo(1_234_567_891L);
    // Far outside the range of nanoseconds in a long: clamped, not wrapped.
    view.setTimes(null, FileTime.from(Long.MAX_VALUE, TimeUnit.DAYS), null);
    assertThat(f.lastAccessTime()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void setTimesWithNothingDoesNothing() throws IOException {
    RegularFile f = file("/f");
    long ctime = f.changeTime();
    AttributeService.view(UNUSED, BasicFileAttributeView.class).setTimes(null, null, null);
    AttributeService.view(src("/f"), PosixFileAttributeView.class).setTimes(null, null, null);
    assertThat(f.changeTime()).isEqualTo(ctime);
  }

  @Test
  void setPermissions() throws IOException {
    RegularFile f = file("/f");
    f.setPermissions(06755);
    Set<PosixFilePermission> perms = EnumSet.copyOf(PosixFilePermissions.fromString("rw-r-----"));
    AttributeService.view(src("/f"), PosixFileAttributeView.class).setPermissions(perms);
    // As chmod with the mode the set makes: setuid and setgid go.
    assertThat(f.permissions()).isEqualTo(0640);
    perms.add(PosixFilePermission.OTHERS_WRITE);
    assertThat(f.permissions()).isEqualTo(0640);

    AttributeService.set(src("/f"), "unix:permissions", Set.of());
    assertThat(f.permissions()).isZero();
    AttributeService.set(src("/f"), "unix:mode", 0107777); // chmod ignores the type bits
    assertThat(f.mode()).isEqualTo(0107777);

    PosixFileAttributeView view = AttributeService.view(src("/f"), PosixFileAttributeView.class);
    assertThatThrownBy(() -> view.setPermissions(null)).isInstanceOf(NullPointerException.class);
    Set<PosixFilePermission> withNull = new HashSet<>();
    withNull.add(null);
    assertThatThrownBy(() -> view.setPermissions(withNull))
        .isInstanceOf(NullPointerException.class);
    assertThat(f.permissions()).isEqualTo(07777);
  }

  @Test
  void permissionsOfASymbolicLinkCannotChange() throws IOException {
    file("/f");
    SymbolicLink l = symlink("/l", "f");
    PosixFileAttributeView view =
        AttributeService.view(noFollow("/l"), PosixFileAttributeView.class);
    assertThatThrownBy(() -> view.setPermissions(RW_R__R__))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("symbolic link");
    assertThatThrownBy(() -> AttributeService.set(noFollow("/l"), "unix:mode", 0600))
        .isInstanceOf(FileSystemException.class);
    assertThat(l.permissions()).isEqualTo(0777);
    // But a link's times and owner can change, as lutimes and lchown do.
    view.setTimes(FileTime.fromMillis(1), null, null);
    view.setOwner(AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("bob"));
    assertThat(l.lastModifiedTime()).isEqualTo(1_000_000L);
    assertThat(l.owner()).isEqualTo("bob");
  }

  @Test
  void setOwnerAndGroup() throws IOException {
    RegularFile f = file("/f");
    UserPrincipal alice = AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("alice");
    GroupPrincipal staff = AttributeService.LOOKUP_SERVICE.lookupPrincipalByGroupName("staff");
    PosixFileAttributeView posix = AttributeService.view(src("/f"), PosixFileAttributeView.class);
    posix.setOwner(alice);
    posix.setGroup(staff);
    assertThat(f.owner()).isEqualTo("alice");
    assertThat(f.group()).isEqualTo("staff");
    assertThat(posix.getOwner()).isEqualTo(alice);
    assertThat(posix.readAttributes().group()).isEqualTo(staff);

    AttributeService.set(
        src("/f"), "owner:owner", AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("bob"));
    AttributeService.set(
        src("/f"),
        "unix:group",
        AttributeService.LOOKUP_SERVICE.lookupPrincipalByGroupName("wheel"));
    assertThat(f.owner()).isEqualTo("bob");
    assertThat(f.group()).isEqualTo("wheel");

    assertThatThrownBy(() -> posix.setOwner(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> posix.setGroup(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> posix.setOwner(new Alien("x")))
        .isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> posix.setGroup(new Alien("x")))
        .isInstanceOf(ProviderMismatchException.class);
    FileOwnerAttributeView owner = AttributeService.view(src("/f"), FileOwnerAttributeView.class);
    assertThatThrownBy(() -> owner.setOwner(new Alien("x")))
        .isInstanceOf(ProviderMismatchException.class);
    assertThatThrownBy(() -> owner.setOwner(staff))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("'owner' parameter can't be a group");
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "posix:group", alice))
        .isInstanceOf(ClassCastException.class);
    assertThat(f.owner()).isEqualTo("bob");
    assertThat(f.group()).isEqualTo("wheel");
  }

  @Test
  void setIdsByNumber() throws IOException {
    RegularFile f = file("/f");
    AttributeService.set(src("/f"), "unix:uid", 0);
    AttributeService.set(src("/f"), "unix:gid", 1234);
    assertThat(f.owner()).isEqualTo("root");
    assertThat(f.group()).isEqualTo("1234");
    assertThat(AttributeService.read(src("/f"), "unix:uid,gid"))
        .containsOnly(Map.entry("uid", 0), Map.entry("gid", 1234));

    // An id read from one file names the same owner when set on another.
    RegularFile g = file("/g");
    g.setOwner("carol");
    Object carol = AttributeService.read(src("/g"), "unix:uid").get("uid");
    AttributeService.set(src("/f"), "unix:uid", carol);
    assertThat(f.owner()).isEqualTo("carol");

    AttributeService.set(src("/f"), "unix:uid", -1);
    AttributeService.set(src("/f"), "unix:gid", -1);
    assertThat(f.owner()).isEqualTo("carol");
    assertThat(f.group()).isEqualTo("1234");
    assertThatThrownBy(() -> AttributeService.set(src("/f"), "unix:uid", 1L))
        .isInstanceOf(ClassCastException.class);
  }

  @Test
  void idsFromNames() {
    assertThat(DaxPrincipals.uid("root")).isZero();
    assertThat(DaxPrincipals.gid("root")).isZero();
    assertThat(DaxPrincipals.uid("0")).isZero();
    assertThat(DaxPrincipals.uid("1000")).isEqualTo(1000);
    assertThat(DaxPrincipals.uid("4294967294")).isEqualTo(-2);
    assertThat(DaxPrincipals.userName(-2)).isEqualTo("4294967294");
    for (String name : List.of("alice", "01000", "-5", "4294967295", "1e3", "x".repeat(300))) {
      int id = DaxPrincipals.uid(name);
      assertThat(id)
          .as(name)
          .isBetween(1 << 30, Integer.MAX_VALUE)
          .isEqualTo(DaxPrincipals.uid(name));
    }
    // Stable across runs: derived from String.hashCode, which is specified.
    assertThat(DaxPrincipals.uid("alice"))
        .isEqualTo((1 << 30) | ("alice".hashCode() & ((1 << 30) - 1)));
    assertThat(DaxPrincipals.userName(DaxPrincipals.uid("alice"))).isEqualTo("alice");
  }

  // ---- views -----------------------------------------------------------------------------------

  @Test
  void viewsByType() throws IOException {
    file("/f");
    assertThat(AttributeService.view(src("/f"), BasicFileAttributeView.class).name())
        .isEqualTo("basic");
    assertThat(AttributeService.view(src("/f"), PosixFileAttributeView.class).name())
        .isEqualTo("posix");
    assertThat(AttributeService.view(src("/f"), FileOwnerAttributeView.class).name())
        .isEqualTo("owner");
    assertThat(AttributeService.view(src("/f"), DosFileAttributeView.class)).isNull();
    assertThat(AttributeService.view(src("/f"), UserDefinedFileAttributeView.class)).isNull();
    assertThatThrownBy(() -> AttributeService.view(src("/f"), null))
        .isInstanceOf(NullPointerException.class);
    assertThat(new AttributeViews.Unix(src("/f")).name()).isEqualTo("unix");
    assertThat(AttributeService.SUPPORTED_VIEWS)
        .containsExactlyInAnyOrder("basic", "owner", "posix", "unix", "dax");
    // Jimfs's Unix views, and daxfs's own read-only one
    assertThat(AttributeService.SUPPORTED_VIEWS).containsAll(jimfs.supportedFileAttributeViews());
  }

  @Test
  void viewsAreBoundToThePathNotTheFile() throws IOException {
    PosixFileAttributeView view = AttributeService.view(src("/f"), PosixFileAttributeView.class);
    FileOwnerAttributeView owner = AttributeService.view(src("/f"), FileOwnerAttributeView.class);
    assertThatThrownBy(view::readAttributes).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(owner::getOwner).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> view.setPermissions(RW_R__R__))
        .isInstanceOf(NoSuchFileException.class);
    RegularFile first = file("/f");
    assertThat(view.readAttributes().fileKey()).isEqualTo(AttributeService.fileKey(first));
    volume.delete(volume.root(), new Names("/f"), Volume.DeleteMode.ANY);
    RegularFile second = file("/f");
    assertThat(view.readAttributes().fileKey())
        .isEqualTo(AttributeService.fileKey(second))
        .isNotEqualTo(AttributeService.fileKey(first));
  }

  @Test
  void readByType() throws IOException {
    RegularFile f = file("/f");
    BasicFileAttributes basic = AttributeService.read(src("/f"), BasicFileAttributes.class);
    assertThat(basic.isRegularFile()).isTrue();
    assertThat(basic.lastModifiedTime())
        .isEqualTo(FileTime.from(f.lastModifiedTime(), TimeUnit.NANOSECONDS));
    PosixFileAttributes posix = AttributeService.read(src("/f"), PosixFileAttributes.class);
    assertThat(posix.permissions()).isEqualTo(RW_R__R__);
    assertThat(posix.owner().getName()).isEqualTo(f.owner());
    assertThatThrownBy(() -> AttributeService.read(src("/f"), DosFileAttributes.class))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.read(src("/f"), (Class<BasicFileAttributes>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AttributeService.read(src("/missing"), BasicFileAttributes.class))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void snapshotsDoNotChange() throws IOException {
    RegularFile f = file("/f");
    PosixFileAttributes before = AttributeService.read(src("/f"), PosixFileAttributes.class);
    Map<String, Object> map = AttributeService.read(src("/f"), "unix:*");
    String owner = f.owner();
    FileTime mtime = before.lastModifiedTime();

    before.permissions().clear(); // a copy: neither the file nor the snapshot changes
    PosixFileAttributeView view = AttributeService.view(src("/f"), PosixFileAttributeView.class);
    view.setTimes(FileTime.fromMillis(1), FileTime.fromMillis(2), FileTime.fromMillis(3));
    view.setPermissions(EnumSet.of(PosixFilePermission.OWNER_EXECUTE));
    view.setOwner(AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("mallory"));
    f.write(AccessPath.DAX, 0, ByteBuffer.wrap(new byte[100]));

    assertThat(before.permissions()).isEqualTo(RW_R__R__);
    assertThat(before.lastModifiedTime()).isEqualTo(mtime);
    assertThat(before.size()).isZero();
    assertThat(before.owner().getName()).isEqualTo(owner);
    assertThat(map)
        .contains(
            Map.entry("size", 0L),
            Map.entry("mode", 0100644),
            Map.entry("lastModifiedTime", mtime));

    PosixFileAttributes after = view.readAttributes();
    assertThat(after.permissions()).containsExactly(PosixFilePermission.OWNER_EXECUTE);
    assertThat(after.size()).isEqualTo(100);
    assertThat(after.owner().getName()).isEqualTo("mallory");
  }

  // ---- principals ------------------------------------------------------------------------------

  @Test
  void lookupAcceptsAnyName() throws IOException {
    UserPrincipal a =
        AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("no-such-user-anywhere");
    assertThat(a.getName()).isEqualTo("no-such-user-anywhere");
    assertThat(a.toString()).isEqualTo("no-such-user-anywhere");
    assertThat(a)
        .isEqualTo(AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("no-such-user-anywhere"));
    assertThat(a.hashCode())
        .isEqualTo(
            AttributeService.LOOKUP_SERVICE
                .lookupPrincipalByName("no-such-user-anywhere")
                .hashCode());
    GroupPrincipal g =
        AttributeService.LOOKUP_SERVICE.lookupPrincipalByGroupName("no-such-user-anywhere");
    assertThat(g.getName()).isEqualTo("no-such-user-anywhere");
    assertThat(g).isNotEqualTo(a); // as the JDK's: a group is never equal to a user
    assertThat(a).isNotEqualTo(g);
    // As the JDK (Jimfs accepts it): no user has an empty name.
    assertThatThrownBy(() -> AttributeService.LOOKUP_SERVICE.lookupPrincipalByName(""))
        .isInstanceOf(UserPrincipalNotFoundException.class);
    assertThatThrownBy(() -> AttributeService.LOOKUP_SERVICE.lookupPrincipalByGroupName(""))
        .isInstanceOf(UserPrincipalNotFoundException.class);
    assertThatThrownBy(() -> AttributeService.LOOKUP_SERVICE.lookupPrincipalByName(null))
        .isInstanceOf(NullPointerException.class);
  }

  // ---- initial permissions ---------------------------------------------------------------------

  @Test
  void initialPermissions() {
    assertThat(AttributeService.initialPermissions(0666)).isEqualTo(0666);
    assertThat(
            AttributeService.initialPermissions(
                0777, PosixFilePermissions.asFileAttribute(RW_R__R__)))
        .isEqualTo(0644);
    assertThat(AttributeService.initialPermissions(0666, attr("unix:permissions", Set.of())))
        .isZero();
    assertThat(
            AttributeService.initialPermissions(
                0666,
                PosixFilePermissions.asFileAttribute(RW_R__R__),
                attr("unix:permissions", PosixFilePermissions.fromString("rwx------"))))
        .isEqualTo(0700);
    assertThatThrownBy(() -> AttributeService.initialPermissions(0666, attr("posix:owner", "x")))
        .isExactlyInstanceOf(UnsupportedOperationException.class)
        .hasMessage("'posix:owner' not supported as initial attribute");
    assertThatThrownBy(
            () -> AttributeService.initialPermissions(0666, attr("permissions", RW_R__R__)))
        .isExactlyInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.initialPermissions(0666, (FileAttribute<?>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AttributeService.initialPermissions(0666, (FileAttribute<?>[]) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () -> AttributeService.initialPermissions(0666, attr("posix:permissions", null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () ->
                AttributeService.initialPermissions(0666, attr("posix:permissions", Set.of("rw"))))
        .isInstanceOf(ClassCastException.class);
    // The same kind of refusal as Jimfs, for an attribute neither takes at creation.
    FileAttribute<?> mtime = attr("basic:lastModifiedTime", FileTime.fromMillis(1));
    assertThat(thrownBy(() -> Files.createFile(jimfs.getPath("/g"), mtime)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> AttributeService.initialPermissions(0666, mtime))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- copying and keys ------------------------------------------------------------------------

  @Test
  void copyAttributes() throws IOException {
    RegularFile from = file("/from");
    from.setPermissions(04750);
    from.setOwner("alice");
    from.setGroup("staff");
    from.setTimes(1_000L, 2_000L, 3_000L);
    RegularFile to = file("/to");
    long created = to.creationTime();
    AttributeService.copyAttributes(from, to);
    assertThat(to.permissions()).isEqualTo(04750);
    assertThat(to.owner()).isEqualTo("alice");
    assertThat(to.group()).isEqualTo("staff");
    assertThat(to.lastModifiedTime()).isEqualTo(1_000L);
    assertThat(to.lastAccessTime()).isEqualTo(2_000L);
    assertThat(to.creationTime()).isEqualTo(created);

    SymbolicLink link = symlink("/link", "from");
    AttributeService.copyAttributes(from, link);
    assertThat(link.permissions()).isEqualTo(0777);
    assertThat(link.owner()).isEqualTo("alice");
    assertThat(link.lastModifiedTime()).isEqualTo(1_000L);

    AttributeService.copyAttributes(from, from);
    assertThat(from.permissions()).isEqualTo(04750);
    assertThat(from.lastModifiedTime()).isEqualTo(1_000L);
  }

  @Test
  void fileKeys() throws IOException {
    RegularFile f = file("/f");
    volume.createLink(volume.root(), new Names("/hard"), volume.root(), new Names("/f"));
    Object key = AttributeService.fileKey(f);
    Object viaLink = AttributeService.read(src("/hard"), BasicFileAttributes.class).fileKey();
    assertThat(viaLink).isEqualTo(key).hasSameHashCodeAs(key).isNotSameAs(key);
    assertThat(AttributeService.read(src("/f"), "fileKey")).containsEntry("fileKey", key);
    assertThat(AttributeService.read(src("/hard"), "unix:nlink")).containsEntry("nlink", 2);
    assertThat(AttributeService.fileKey(file("/g"))).isNotEqualTo(key);
    assertThat(key.toString()).matches("\\(dev=[0-9a-f]+,ino=" + f.id() + "\\)");

    try (Volume other = Volume.create(DaxConfiguration.defaults())) {
      RegularFile o =
          other.open(other.root(), new Names("/f"), new Volume.OpenSpec(true, false, true, 0644));
      o.release();
      assertThat(o.id()).isEqualTo(f.id()); // same inode number...
      assertThat(AttributeService.fileKey(o)).isNotEqualTo(key); // ...on another device
      assertThat(AttributeService.fileKey(o)).isEqualTo(AttributeService.fileKey(o));
    }
  }

  // ---- threads ---------------------------------------------------------------------------------

  @Test
  void viewsMayBeSharedBetweenThreads() throws Exception {
    RegularFile f = file("/f");
    PosixFileAttributeView view = AttributeService.view(src("/f"), PosixFileAttributeView.class);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger reads = new AtomicInteger();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int me = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    view.setOwner(AttributeService.LOOKUP_SERVICE.lookupPrincipalByName("u" + me));
                    view.setPermissions(me % 2 == 0 ? RW_R__R__ : Set.of());
                    Map<String, Object> m =
                        AttributeService.read(src("/f"), "unix:owner,uid,permissions");
                    assertThat(m).hasSize(3);
                    reads.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> d : done) {
        d.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(reads.get()).isEqualTo(2000);
    assertThat(f.owner()).matches("u[0-3]");
  }
}
