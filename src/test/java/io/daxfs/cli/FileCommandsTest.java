package io.daxfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxfs.DaxFiles;
import io.daxfs.FileExtent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fiemap, ls, check, and the command line's own conventions (help, usage, exit status). */
class FileCommandsTest extends CliHarness {
  @Test
  void fiemapGivesTheSectorsToHandToInjectError() throws IOException {
    Path image = newImage("pmem0.img");
    List<FileExtent> extents =
        onImage(
            image,
            fs -> {
              Path log = fs.getPath("/data/log");
              Files.createDirectories(log.getParent());
              Files.write(log, new byte[3 * 4096 + 100]);
              return DaxFiles.extents(log);
            });

    JsonNode j = daxfs("fiemap", "--json", image.toString(), "/data/log").succeeds().json();
    String table = daxfs("fiemap", image.toString(), "data/log").succeeds().out();

    assertThat(j.get("file").asText()).isEqualTo("/data/log");
    assertThat(j.get("size").asLong()).isEqualTo(3 * 4096 + 100);
    JsonNode e = j.get("extents").get(0);
    assertThat(e.get("physical").asLong()).isEqualTo(extents.get(0).physicalOffset());
    assertThat(e.get("block").asLong()).isEqualTo(extents.get(0).physicalOffset() / 512);
    assertThat(e.get("count").asLong()).isEqualTo(32);
    assertThat(e.get("last").asBoolean()).isTrue();
    long first = e.get("block").asLong();
    assertThat(table)
        .startsWith("/data/log:\n")
        .contains("EXT: FILE-OFFSET")
        .containsPattern("0: \\[0\\.\\.31\\]: +" + first + "\\.\\." + (first + 31) + " +32 0x1");

    daxfs("fiemap", image.toString(), "/nothing").fails(ENOENT, "/nothing: No such file");
    daxfs("fiemap", image.toString(), "/data").fails(EISDIR, "Is a directory");
  }

  @Test
  void lsListsSortedNamesAndTheLongForm() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(
        image,
        fs -> {
          Files.createDirectory(fs.getPath("/dir"));
          Files.write(fs.getPath("/b"), new byte[42]);
          Files.setPosixFilePermissions(
              fs.getPath("/b"), PosixFilePermissions.fromString("rw-------"));
          Files.createSymbolicLink(fs.getPath("/a"), fs.getPath("/b"));
          return Files.createLink(fs.getPath("/dir/c"), fs.getPath("/b"));
        });

    assertThat(daxfs("ls", image.toString()).succeeds().out()).isEqualTo("a\nb\ndir\n");
    String l = daxfs("ls", "-l", image.toString(), "/").succeeds().out();

    assertThat(l.lines().toList()).hasSize(3);
    assertThat(l.lines().toList().get(0)).startsWith("lrwxrwxrwx").endsWith("a -> /b");
    assertThat(l.lines().toList().get(1)).matches("-rw------- +2 +\\S+ +\\S+ +42 .* b");
    assertThat(l.lines().toList().get(2)).startsWith("drwxr-xr-x").endsWith(" dir");
    assertThat(daxfs("ls", image.toString(), "/dir").succeeds().out()).isEqualTo("c\n");
    assertThat(daxfs("ls", "-l", image.toString(), "/dir/c").succeeds().out())
        .endsWith(" /dir/c\n");
    daxfs("ls", image.toString(), "/missing").fails(ENOENT, "/missing: No such file or directory");
  }

  @Test
  void checkReportsCleanRepairedOrProblemsLeftWithFscksStatus() throws IOException {
    Path image = newImage("pmem0.img");
    String img = image.toString();

    assertThat(daxfs("check", img).succeeds().out()).isEqualTo(img + ": clean\n");

    images.nextCheck(
        new Images.CheckReport(List.of("inode 7: extent past the device"), List.of(), List.of()));
    Result found = daxfs("check", img);
    assertThat(found.exit()).isEqualTo(CheckCommand.PROBLEMS_LEFT);
    assertThat(found.out())
        .contains("problem: inode 7: extent past the device")
        .contains("1 problem; run 'daxfs check --repair " + img + "'");

    images.nextCheck(
        new Images.CheckReport(
            List.of("inode 7: extent past the device"),
            List.of("dropped /orphan (inode 7)"),
            List.of()));
    Result repaired = daxfs("check", "--repair", img); // then the real check of the image: clean
    assertThat(repaired.exit()).isEqualTo(CheckCommand.REPAIRED);
    assertThat(repaired.out())
        .contains("repaired: dropped /orphan (inode 7)", "repaired, clean now");

    daxfs("check", host.resolve("none.img").toString()).fails(ENOENT, "No such file");
  }

  @Test
  void checkFindsRealDamageAndARepairIsJudgedByACheckOfItsResult() throws IOException {
    Path image = newImage("pmem0.img");
    onImage(image, fs -> Files.writeString(fs.getPath("/kept"), "kept"));
    byte[] bytes = Files.readAllBytes(image);
    // A byte of the first superblock copy flipped: the damage is found, the second copy mounts.
    bytes[100] ^= 0x5A;
    Files.write(image, bytes);

    Result found = daxfs("check", image.toString());
    Result repaired = daxfs("check", "--repair", image.toString());

    assertThat(found.exit()).as(found.out() + found.err()).isEqualTo(CheckCommand.PROBLEMS_LEFT);
    assertThat(found.out()).contains("problem: ");
    assertThat(repaired.out()).contains("repaired: ");
    Result after = daxfs("check", image.toString());
    // The repair is judged by a check of what it wrote: exit 1 only if that check is clean.
    assertThat(repaired.exit())
        .as(repaired.out() + after.out())
        .isEqualTo(after.exit() == 0 ? CheckCommand.REPAIRED : CheckCommand.PROBLEMS_LEFT);
    String kept = onImage(image, fs -> Files.readString(fs.getPath("/kept")));
    assertThat(kept).isEqualTo("kept");
  }

  @Test
  void everyCommandHasHelpAndAWrongCommandLineExitsWith129() {
    for (String command :
        List.of(
            "create-namespace",
            "list",
            "inject-error",
            "clear-errors",
            "start-scrub",
            "fiemap",
            "check",
            "ls",
            "cp")) {
      Result help = daxfs(command, "--help").succeeds();
      assertThat(help.out()).contains("Usage: daxfs " + command).contains("-h, --help");
      daxfs(command, "x.img", "/y", "--no-such-option").fails(USAGE, "'--no-such-option'");
    }
    assertThat(daxfs("--help").succeeds().out())
        .contains("Exit status:", "create-namespace, create");
    daxfs().fails(USAGE, "daxfs: a command is needed");
    daxfs("format", "x.img").fails(USAGE, "Unmatched arguments from index 0: 'format'");
    daxfs("list").fails(USAGE, "daxfs list: Missing required parameter: 'IMAGE'");
  }
}
