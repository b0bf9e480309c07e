package io.daxfs.junit;

import static java.util.Objects.requireNonNull;

import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The state of a test's daxfs device when the test failed, attached by the {@link DaxExtension} to
 * the failure as a {@linkplain Throwable#getSuppressed() suppressed} exception, so that it is
 * printed under the failure's stack trace wherever the failure is shown. Its {@linkplain
 * #getMessage() message} is the report: the device's known badblocks in the sysfs form and, for
 * every regular file with lost bytes, its path and bad ranges. It is never thrown, and has no stack
 * trace of its own (it would only show the extension's frames).
 */
public final class DaxMediaReport extends Exception {
  private static final long serialVersionUID = 1L;

  DaxMediaReport(String report) {
    super(requireNonNull(report, "report"), null, true, false);
  }

  /** The report: the same text as {@link #getMessage()}. */
  public String report() {
    return getMessage();
  }

  /**
   * The report on {@code device} and the files of {@code fileSystem} as they are now. Never fails:
   * a report that cannot be made says why instead, since it only helps to read a failure and must
   * never replace it.
   */
  static DaxMediaReport of(FileSystem fileSystem, PmemDevice device) {
    return of(fileSystem, device, null);
  }

  /** As {@link #of(FileSystem, PmemDevice)}, after a first line on the test's power cuts if any. */
  static DaxMediaReport of(FileSystem fileSystem, PmemDevice device, @Nullable String powerCuts) {
    String report;
    try {
      report = text(fileSystem, device);
    } catch (RuntimeException e) {
      report = "daxfs media report unavailable: " + e;
    }
    return new DaxMediaReport(powerCuts == null ? report : powerCuts + "\n" + report);
  }

  private static String text(FileSystem fs, PmemDevice device) {
    if (!fs.isOpen()) {
      return "daxfs media report unavailable: the test closed its filesystem";
    }
    StringBuilder out =
        new StringBuilder("daxfs media report (device ")
            .append(sizeText(device.size()))
            .append(", ")
            .append(device.sectorSize())
            .append("-byte sectors, ")
            .append(device.mediaErrorModel())
            .append(")\n");
    String badblocks = device.badblocksText().strip();
    if (badblocks.isEmpty()) {
      out.append("badblocks: none known (latent poison shows only once found)\n");
    } else {
      out.append("badblocks (first sector, count):\n");
      badblocks.lines().forEach(line -> out.append("  ").append(line).append('\n'));
    }
    List<String> damaged = new ArrayList<>();
    try {
      for (Path root : fs.getRootDirectories()) {
        Files.walkFileTree(
            root,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                  try {
                    List<FileRange> bad = DaxFiles.badRanges(file);
                    if (!bad.isEmpty()) {
                      damaged.add("  " + file + " " + bad);
                    }
                  } catch (IOException e) {
                    // Deleted by a thread of the test since it was listed: nothing to report on it.
                  }
                }
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
              }
            });
      }
    } catch (IOException e) {
      damaged.add("  (listing the files failed: " + e + ")");
    }
    if (damaged.isEmpty()) {
      out.append("files with bad ranges: none");
    } else {
      out.append("files with bad ranges:\n").append(String.join("\n", damaged));
    }
    return out.toString();
  }

  /** A size as {@link DaxTest#deviceSize()} writes it, when it is a whole multiple. */
  private static String sizeText(long bytes) {
    String[] units = {"t", "g", "m", "k"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (40 - 10 * i);
      if (bytes >= unit && bytes % unit == 0) {
        return bytes / unit + units[i];
      }
    }
    return bytes + " bytes";
  }
}
