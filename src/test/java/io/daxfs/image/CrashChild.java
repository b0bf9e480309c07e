package io.daxfs.image;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;

/**
 * The process {@link ImageCrashTest} kills: mounts an image, runs {@link CrashWorkload} on it from
 * a given operation and acknowledges each operation once it has returned, by printing how many have
 * (a line on stdout, flushed). It never closes the image: it ends by being killed, by halting
 * itself, or by an error (exit status 3, the error on stderr).
 *
 * <p>Arguments: {@code image seed ballast start end haltAfterMillis [key=value...]}: operations
 * {@code [start, end)} of the workload of {@code seed} with {@code ballast} files; with {@code
 * haltAfterMillis >= 0}, a thread calls {@link Runtime#halt} that long after the mount (no shutdown
 * hooks, no finalization, as a crash); further arguments join the mount's environment. It prints
 * {@code ready} once mounted and {@code done} after the last operation, then waits to be killed.
 */
public final class CrashChild {
  /** The exit status of a child that halted itself. */
  static final int HALTED = 77;

  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int ballast = Integer.parseInt(args[2]);
    int start = Integer.parseInt(args[3]);
    int end = Integer.parseInt(args[4]);
    long haltAfter = Long.parseLong(args[5]);
    Map<String, Object> env = ImageCrashTest.environment(image);
    for (int i = 6; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      env.put(kv[0], kv[1]);
    }
    CrashWorkload model = new CrashWorkload(seed, CrashWorkload.DATA_LIMIT, ballast);
    model.advanceTo(start);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, US_ASCII);
    try {
      FileSystem fs = FileSystems.newFileSystem(URI.create("dax://crash-child"), env);
      Path root = fs.getPath("/");
      CrashWorkload.Held held = new CrashWorkload.Held();
      out.println("ready");
      out.flush();
      if (haltAfter >= 0) {
        Thread halt =
            new Thread(
                () -> {
                  try {
                    Thread.sleep(haltAfter);
                  } catch (InterruptedException e) {
                    return;
                  }
                  Runtime.getRuntime().halt(HALTED);
                },
                "halt");
        halt.setDaemon(true);
        halt.start();
      }
      for (int i = start; i < end; i++) {
        CrashWorkload.Op op = model.next();
        try {
          CrashWorkload.perform(op, root, held);
        } catch (Exception e) {
          throw new IllegalStateException("seed " + seed + ", " + op + " failed", e);
        }
        model.apply(op);
        out.println(i + 1);
        out.flush();
      }
      out.println("done");
      out.flush();
      Thread.sleep(Long.MAX_VALUE);
    } catch (Throwable t) {
      t.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(3);
    }
  }
}
