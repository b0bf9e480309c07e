package io.daxfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random programs meet power cuts: whatever a program did and made durable or not, the restarted
 * filesystem mounts, every file in it is readable and holds only its own data (a block lost to one
 * file never shows up in another), and the files the program made durable properly are there with
 * their last content, under every seed.
 *
 * <p>Every write stores 8-byte words tagged with the number the test gave the file at its creation,
 * so that a foreign word in a file gives itself away.
 */
class PowerFailPropertyTest {
  private static final int PROGRAMS = 8;
  private static final int CUTS = 12;

  @ParameterizedTest
  @EnumSource(PowerFailModel.class)
  void whatWasMadeDurableSurvivesAndNothingForeignAppears(PowerFailModel model) throws Exception {
    for (long program = 1; program <= PROGRAMS; program++) {
      for (long cut = 0; cut < CUTS; cut++) {
        String where = model + ", program " + program + ", cut seed " + cut;
        FileSystem fs =
            DaxFileSystems.newFileSystem(
                DaxConfiguration.builder().deviceSize(8L << 20).powerFailModel(model).build());
        Program p = new Program(fs, new Random(program));
        Map<String, byte[]> durable;
        try {
          p.run(150);
          durable = p.makeSomeFilesDurable(3);
        } catch (Throwable t) {
          fs.close();
          throw new AssertionError(where + ": the program failed", t);
        }
        try (FileSystem after = DaxFileSystems.powerFail(fs, cut)) {
          check(after, durable, where);
        }
      }
    }
  }

  private static void check(FileSystem fs, Map<String, byte[]> durable, String where)
      throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
      files = s.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    for (Path f : files) {
      byte[] content = Files.readAllBytes(f);
      assertThat(content.length).as("%s: %s", where, f).isEqualTo(Files.size(f));
      ByteBuffer words = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
      long owner = 0;
      for (int i = 0; i + 8 <= content.length; i += 8) {
        long tag = words.getLong(i) >>> 32;
        if (tag != 0) {
          assertThat(owner == 0 || owner == tag)
              .as("%s: %s holds words of files %s and %s, at byte %s", where, f, owner, tag, i)
              .isTrue();
          owner = tag;
        }
      }
    }
    for (Map.Entry<String, byte[]> e : durable.entrySet()) {
      Path p = fs.getPath(e.getKey());
      assertThat(Files.exists(p)).as("%s: %s was made durable", where, p).isTrue();
      assertThat(Files.readAllBytes(p)).as("%s: content of %s", where, p).isEqualTo(e.getValue());
    }
    Path fresh = fs.getPath("/after-the-cut");
    Files.write(fresh, new byte[10000]);
    assertThat(Files.size(fresh)).as(where).isEqualTo(10000);
  }

  /** A random program over a small tree of files and directories. */
  private static final class Program {
    private final FileSystem fs;
    private final Random r;
    private int nextTag = 1;
    private final Map<Object, Integer> tags = new HashMap<>();

    Program(FileSystem fs, Random r) {
      this.fs = fs;
      this.r = r;
    }

    void run(int steps) throws IOException {
      for (int i = 0; i < steps; i++) {
        try {
          step();
        } catch (FileAlreadyExistsException
            | NoSuchFileException
            | java.nio.file.DirectoryNotEmptyException e) {
          // the program's own race with itself: fine
        }
      }
    }

    private void step() throws IOException {
      List<Path> dirs = list(true);
      List<Path> files = list(false);
      Path dir = dirs.get(r.nextInt(dirs.size()));
      Path file = files.isEmpty() ? null : files.get(r.nextInt(files.size()));
      int what = r.nextInt(20);
      if (file == null && what >= 3) {
        what = 1;
      }
      switch (what) {
        case 0 -> Files.createDirectory(dir.resolve("d" + r.nextInt(6)));
        case 1, 2 -> {
          Path f = dir.resolve("f" + r.nextInt(10));
          Files.createFile(f);
          tag(f);
          if (r.nextBoolean()) {
            write(f, 0, 8 * (1 + r.nextInt(2000)));
          }
        }
        case 3, 4 -> write(file, 8L * r.nextInt((int) (Files.size(file) / 8) + 600), words());
        case 5 -> write(file, Files.size(file) & ~7L, words()); // an append
        case 6 -> {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(r.nextInt((int) Files.size(file) + 1));
          }
        }
        case 7 -> {
          Path target = dir.resolve("f" + r.nextInt(10));
          if (!Files.isDirectory(target)) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
        case 8 -> {
          Path d = dirs.get(r.nextInt(dirs.size()));
          if (d.getNameCount() > 0 && !dir.startsWith(d)) {
            Files.move(d, dir.resolve("d" + r.nextInt(6)));
          }
        }
        case 9 -> Files.createLink(dir.resolve("f" + r.nextInt(10)), file);
        case 10 -> Files.delete(file);
        case 11 -> {
          Path d = dirs.get(r.nextInt(dirs.size()));
          if (d.getNameCount() > 0) {
            Files.delete(d);
          }
        }
        case 12 -> {
          Files.setPosixFilePermissions(file, EnumSet.of(PosixFilePermission.OWNER_READ));
          Files.setLastModifiedTime(file, FileTime.fromMillis(r.nextInt(1 << 30)));
        }
        case 13 -> {
          long size = Files.size(file);
          if (size > 0) {
            DaxFiles.punchHole(file, r.nextInt((int) size), 1 + r.nextInt(20000));
          }
        }
        case 14 -> {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(r.nextBoolean());
          }
        }
        case 15 -> {
          try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
          }
        }
        case 16 -> {
          // a file open after its last name is gone keeps growing
          int tag = tagOf(file);
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            Files.delete(file);
            ch.write(tagged(tag, words()), ch.size() & ~7L);
          }
        }
        case 17 -> {
          // one new block: a fragmented range under an earlier mapping could not be mapped
          long at = (Files.size(file) + 4095) & ~4095L;
          try (FileChannel ch =
              FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, at, 4096);
            m.order(ByteOrder.LITTLE_ENDIAN).putLong(0, word(file, 1));
          }
        }
        case 18 -> {
          if (r.nextInt(4) == 0) {
            DaxFileSystems.sync(fs);
          }
        }
        default -> write(file, Files.size(file) & ~7L, words());
      }
    }

    /** Makes up to {@code n} files durable the proper way; returns their paths and content. */
    Map<String, byte[]> makeSomeFilesDurable(int n) throws IOException {
      Map<String, byte[]> made = new HashMap<>();
      List<Path> files = list(false);
      for (int i = 0; i < n && !files.isEmpty(); i++) {
        Path f = files.remove(r.nextInt(files.size()));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.force(false);
        }
        for (Path d = f.getParent(); d != null; d = d.getParent()) {
          try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
          }
        }
        made.put(f.toString(), Files.readAllBytes(f));
      }
      // A name made durable may have been another's hard link: keep what is there now.
      for (String p : new ArrayList<>(made.keySet())) {
        made.put(p, Files.readAllBytes(fs.getPath(p)));
      }
      return made;
    }

    private List<Path> list(boolean directories) throws IOException {
      try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
        return s.filter(p -> directories ? Files.isDirectory(p) : Files.isRegularFile(p))
            .sorted(Comparator.comparing(Path::toString))
            .collect(Collectors.toCollection(ArrayList::new));
      }
    }

    private int words() {
      return 1 + r.nextInt(r.nextBoolean() ? 64 : 4000);
    }

    private void write(Path file, long at, int words) throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.write(tagged(tagOf(file), words), at);
      }
    }

    private void tag(Path f) throws IOException {
      tags.put(Files.readAttributes(f, "unix:ino").get("ino"), nextTag++);
    }

    private int tagOf(Path f) throws IOException {
      return tags.get(Files.readAttributes(f, "unix:ino").get("ino"));
    }

    private long word(Path f, int n) throws IOException {
      return (long) tagOf(f) << 32 | n;
    }

    private static ByteBuffer tagged(int tag, int words) {
      ByteBuffer b = ByteBuffer.allocate(8 * words).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < words; i++) {
        b.putLong((long) tag << 32 | (i + 1));
      }
      return b.flip();
    }
  }
}
