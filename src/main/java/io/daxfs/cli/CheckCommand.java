package io.daxfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code check}: the image's structures verified, and with {@code --repair} mended. */
@Command(
    name = "check",
    header = "Check an image's structures; --repair mends them.",
    description = {
      "Check an image at rest: every structure and checksum, naming what is wrong and where."
          + " With --repair, recover what can be recovered and list what was dropped.",
      "Exit status as fsck's: 0 clean, 1 problems found and all repaired, 4 problems left."
    })
final class CheckCommand extends ImageCommand {
  /** fsck's "filesystem errors corrected". */
  static final int REPAIRED = 1;

  /** fsck's "filesystem errors left uncorrected". */
  static final int PROBLEMS_LEFT = 4;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
  Path image;

  @Option(
      names = {"-r", "--repair"},
      description = "Repair what can be repaired (the image is rewritten).")
  boolean repair;

  @Override
  public Integer call() throws IOException {
    requireImage(image);
    Images.CheckReport r = root.images.check(image, repair);
    PrintWriter out = out();
    r.problems().forEach(p -> out.println("problem: " + p));
    r.notes().forEach(n -> out.println("note: " + n));
    r.repaired().forEach(p -> out.println("repaired: " + p));
    if (r.problems().isEmpty()) {
      out.println(image + ": clean");
      return 0;
    }
    if (!repair) {
      out.println(
          image
              + ": "
              + count(r.problems().size())
              + "; run 'daxfs check --repair "
              + image
              + "' to recover what can be recovered");
      return PROBLEMS_LEFT;
    }
    // A repair is judged by a check of what it wrote.
    Images.CheckReport after = root.images.check(image, false);
    if (after.problems().isEmpty()) {
      out.println(image + ": repaired, clean now");
      return REPAIRED;
    }
    after.problems().forEach(p -> out.println("still: " + p));
    out.println(image + ": " + count(after.problems().size()) + " left after the repair");
    return PROBLEMS_LEFT;
  }

  private static String count(int problems) {
    return problems + (problems == 1 ? " problem" : " problems");
  }
}
