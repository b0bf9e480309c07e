package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.daxfs.DaxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** cp between the host and an image, and what a hostile image cannot make it do. */
class CpCommandTest extends CliHarness {
  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Every path under {@code dir}, relative, sorted, with " -> target" for links. */
  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir))
          .map(
              p -> {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                  try {
                    return rel + " -> " + Files.readSymbolicLink(p);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }
                return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? rel + "/" : rel;
              })
          .sorted()
          .toList();
    }
  }

  @Test
  void aTreeGoesIntoAnImageAndComesBackOutTheSame() throws IOException {
    Path image = newImage("pmem0.img");
    Path src = Files.createDirectories(host.resolve("seed/docs"));
    Files.write(src.resolve("a.bin"), bytes(10_000, 1));
    Files.write(Files.createDirectory(src.resolve("deep")).resolve("b.bin"), bytes(5000, 2));
    Files.write(src.resolve("..x"), bytes(10, 3)); // a legal name that only looks like ".."
    Files.createSymbolicLink(src.resolve("link"), Path.of("a.bin"));

    daxfs("cp", "-r", src.toString(), image + ":/").succeeds();
    daxfs("cp", src.resolve("a.bin").toString(), image + ":/single").succeeds();
    onImage(
        image,
        fs -> {
          assertThat(Files.readAllBytes(fs.getPath("/docs/deep/b.bin"))).isEqualTo(bytes(5000, 2));
          assertThat(Files.readSymbolicLink(fs.getPath("/docs/link")).toString())
              .isEqualTo("a.bin");
          return assertThat(Files.readAllBytes(fs.getPath("/single"))).isEqualTo(bytes(10_000, 1));
        });

    Path out = Files.createDirectory(host.resolve("out"));
    Result r = daxfs("cp", "-r", image + ":/docs", out.toString());

    r.succeeds();
    assertThat(r.err()).contains("skipped the symbolic link /docs/link -> a.bin");
    assertThat(tree(out))
        .containsExactly("docs/", "docs/..x", "docs/a.bin", "docs/deep/", "docs/deep/b.bin");
    assertThat(Files.readAllBytes(out.resolve("docs/a.bin"))).isEqualTo(bytes(10_000, 1));
    assertThat(Files.readAllBytes(out.resolve("docs/deep/b.bin"))).isEqualTo(bytes(5000, 2));
    daxfs("cp", image + ":/single", out.resolve("renamed").toString()).succeeds();
    assertThat(Files.readAllBytes(out.resolve("renamed"))).isEqualTo(bytes(10_000, 1));
  }

  @Test
  void nothingIsOverwrittenUnlessForcedInEitherDirection() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(image, fs -> Files.writeString(fs.getPath("/f"), "from the image"));
    Path hostFile = Files.writeString(host.resolve("f"), "on the host");

    daxfs("cp", image + ":/f", host.toString()).fails(EEXIST, host.resolve("f") + ": File exists");
    daxfs("cp", hostFile.toString(), image + ":/f").fails(EEXIST, "/f: File exists; --force");
    assertThat(Files.readString(hostFile)).isEqualTo("on the host");
    String kept = onImage(image, fs -> Files.readString(fs.getPath("/f")));
    assertThat(kept).isEqualTo("from the image");

    daxfs("cp", "--force", image + ":/f", host.toString()).succeeds();
    assertThat(Files.readString(hostFile)).isEqualTo("from the image");
    Files.writeString(hostFile, "newer on the host");
    daxfs("cp", "-f", hostFile.toString(), image + ":/f").succeeds();
    String replaced = onImage(image, fs -> Files.readString(fs.getPath("/f")));
    assertThat(replaced).isEqualTo("newer on the host");
  }

  @Test
  void aLinkNeverReplacesADirectoryEvenWhenForced() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(image, fs -> Files.createDirectories(fs.getPath("/docs/link")));
    Path src = Files.createDirectories(host.resolve("seed/docs"));
    Files.writeString(src.resolve("a.txt"), "copied");
    Files.createSymbolicLink(src.resolve("link"), Path.of("a.txt"));

    daxfs("cp", "-r", "--force", src.toString(), image + ":/")
        .fails(EISDIR, "/docs/link: Is a directory");

    onImage(
        image,
        fs -> {
          assertThat(Files.isDirectory(fs.getPath("/docs/link"), LinkOption.NOFOLLOW_LINKS))
              .isTrue();
          return assertThat(Files.readString(fs.getPath("/docs/a.txt"))).isEqualTo("copied");
        });
  }

  @Test
  void directoriesNeedRecursionAndBothSidesMustDiffer() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(image, fs -> Files.createDirectory(fs.getPath("/d")));
    Path dir = Files.createDirectory(host.resolve("d"));

    daxfs("cp", image + ":/d", host.resolve("x").toString()).fails(EISDIR, "-r copies directories");
    daxfs("cp", dir.toString(), image + ":/e").fails(EISDIR, "-r copies directories");
    daxfs("cp", "a", "b").fails(EINVAL, "one side must be an image");
    daxfs("cp", image + ":/d", image + ":/e").fails(EINVAL, "one side must be an image");
    daxfs("cp", image + ":/nothing", host.toString()).fails(ENOENT, "/nothing: No such file");
    daxfs("cp", host.resolve("missing.img") + ":/d", host.toString())
        .fails(ENOENT, "missing.img: No such file or directory");
    assertThat(host.resolve("x")).doesNotExist();
  }

  @Test
  void aHostileImageWritesNothingOutsideTheDestination() throws IOException {
    Path image = newImage("evil.img");
    Path victim = Files.writeString(host.resolve("passwd"), "root:x:0:0");
    Path victimDir = Files.createDirectory(host.resolve("victim-dir"));
    onImage(
        image,
        fs -> {
          Files.createDirectories(fs.getPath("/d/sub"));
          Files.writeString(fs.getPath("/d/sub/ok"), "fine");
          Files.createSymbolicLink(fs.getPath("/passwd"), fs.getPath("/etc/passwd"));
          Files.createSymbolicLink(fs.getPath("/d/up"), fs.getPath("../../../../" + victim));
          Files.createSymbolicLink(fs.getPath("/d/escape"), fs.getPath(victimDir.toString()));
          return Files.createSymbolicLink(
              fs.getPath("/d/sub/victim"), fs.getPath(victim.toString()));
        });
    Path out = Files.createDirectory(host.resolve("out"));

    Result r = daxfs("cp", "-r", image + ":/", out.toString());

    r.succeeds();
    assertThat(tree(out)).containsExactly("d/", "d/sub/", "d/sub/ok");
    assertThat(r.err())
        .contains("skipped the symbolic link /passwd -> /etc/passwd")
        .contains("skipped the symbolic link /d/escape -> " + victimDir)
        .contains("skipped the symbolic link /d/sub/victim -> " + victim);
    assertThat(Files.readString(victim)).isEqualTo("root:x:0:0");
    assertThat(tree(victimDir)).isEmpty();

    // A link named as the source is not followed either, and ".." stays inside the image.
    Result link = daxfs("cp", image + ":/d/sub/victim", out.resolve("x").toString());
    assertThat(link.err()).contains("skipped the symbolic link /d/sub/victim");
    assertThat(out.resolve("x")).doesNotExist();
    daxfs("cp", image + ":/../../../../" + victim, out.toString())
        .fails(ENOENT, victim + ": No such file or directory");
    daxfs("cp", "-r", image + ":/d/sub/..", out.resolve("again").toString()).succeeds();
    assertThat(tree(out.resolve("again"))).containsExactly("sub/", "sub/ok");
    assertThat(Files.readString(victim)).isEqualTo("root:x:0:0");
  }

  @Test
  void anEntryNameThatCouldLeaveItsDirectoryIsRefused() {
    // Images refuse such names when they are mounted; the copy refuses them again on its own.
    for (String hostile : List.of("..", ".", "", "a/../../etc", "/etc/passwd", "x\0y")) {
      assertThat(catchThrowableOfType(CliFailure.class, () -> CpCommand.checkedName(hostile)))
          .as("'%s'", hostile)
          .hasMessageContaining("could leave its directory");
    }
    for (String fine : List.of("...", "..x", "x..", ".hidden", "a b", "\u00e9t\u00e9")) {
      assertThat(CpCommand.checkedName(fine)).isEqualTo(fine);
    }
  }

  @Test
  void aHostSymbolicLinkInTheDestinationIsReplacedNeverWrittenThrough() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(
        image,
        fs -> {
          Files.writeString(fs.getPath("/dangling"), "from the image");
          return Files.writeString(fs.getPath("/passwd"), "from the image");
        });
    Path victim = Files.writeString(host.resolve("victim"), "precious");
    Path out = Files.createDirectory(host.resolve("out"));
    Files.createSymbolicLink(out.resolve("passwd"), victim);
    Files.createSymbolicLink(out.resolve("dangling"), host.resolve("created-through-a-link"));

    daxfs("cp", image + ":/passwd", out.toString()).fails(EEXIST, "File exists");
    daxfs("cp", image + ":/dangling", out.toString()).fails(EEXIST, "File exists");
    daxfs("cp", "-f", image + ":/passwd", image + ":/dangling", out.toString()).succeeds();

    assertThat(Files.readString(victim)).isEqualTo("precious");
    assertThat(host.resolve("created-through-a-link")).doesNotExist();
    assertThat(Files.isSymbolicLink(out.resolve("passwd"))).isFalse();
    assertThat(Files.readString(out.resolve("passwd"))).isEqualTo("from the image");
  }

  @Test
  void aFileThatMeetsAMediaErrorIsNotLeftHalfCopiedAndTheRestIsCopied() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(
        image,
        fs -> {
          Files.createDirectory(fs.getPath("/d"));
          Files.write(fs.getPath("/d/bad"), bytes(16384, 4));
          Files.write(fs.getPath("/d/good"), bytes(4096, 5));
          DaxFiles.injectError(fs.getPath("/d/bad"), 9000, 1);
          return null;
        });
    Path out = Files.createDirectory(host.resolve("out"));

    Result r = daxfs("cp", "-r", image + ":/d", out.toString());

    r.fails(EIO, "/d/bad: Input/output error");
    assertThat(tree(out)).containsExactly("d/", "d/good");
    assertThat(Files.readAllBytes(out.resolve("d/good"))).isEqualTo(bytes(4096, 5));
  }
}
