package io.daxfs.cli;

import io.daxfs.CorruptImageException;
import io.daxfs.MediaErrorException;
import io.daxfs.cli.CliFailure.Errno;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code daxfs}: the command line for daxfs images, in ndctl's words. Each command mounts its
 * image, does its work and closes it; nothing else may have the image open for writing meanwhile.
 *
 * <p>Exit status as ndctl's: 0 on success; on failure a message on stderr and the negated error
 * number as a byte (234 for EINVAL, 254 for ENOENT, 240 for EBUSY, 251 for EIO, 139 for a corrupt
 * image: EUCLEAN, as Linux filesystems report corrupt metadata); 129 when the command line itself
 * is wrong (an unknown option, a missing argument, a value of the wrong type).
 */
@Command(
    name = "daxfs",
    description = {
      "Work on daxfs pmem images at rest, in ndctl's words.",
      "Sectors (--block, badblocks, fiemap) are the image's logical sectors (512 bytes unless"
          + " created with --sector-size 4096)."
    },
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      CreateNamespaceCommand.class,
      ListCommand.class,
      InjectErrorCommand.class,
      ClearErrorsCommand.class,
      StartScrubCommand.class,
      FiemapCommand.class,
      CheckCommand.class,
      LsCommand.class,
      CpCommand.class
    },
    footer = {
      "",
      "Exit status: 0 on success; on failure, as ndctl, the negated error number as a byte (234"
          + " EINVAL, 254 ENOENT, 239 EEXIST, 240 EBUSY, 251 EIO, 139 EUCLEAN: a corrupt image); 129"
          + " for a wrong command line.",
      "Run 'daxfs COMMAND --help' for a command's options."
    })
public final class DaxCli implements Callable<Integer> {
  /** The exit status of a command line that cannot be parsed, as ndctl's option parser gives. */
  static final int USAGE = 129;

  final Images images;

  @Spec CommandSpec spec;

  @CommandLine.Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  DaxCli(Images images) {
    this.images = images;
  }

  /** Runs one command and exits with its status. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs one command with the process's standard output and error, without exiting, and returns its
   * exit status: for programs that drive the command line in process, as the samples do.
   */
  public static int execute(String... args) {
    Charset cs = Charset.defaultCharset();
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, cs), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, cs), true);
    return run(ImageFiles.INSTANCE, out, err, args);
  }

  /**
   * Runs one command, writing its output to {@code out} and its messages to {@code err}, without
   * exiting, and returns its exit status.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return run(ImageFiles.INSTANCE, out, err, args);
  }

  /** Runs one command against {@code images}, writing to {@code out} and {@code err}. */
  static int run(Images images, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new DaxCli(images));
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(DaxCli::usageError);
    cl.setExecutionExceptionHandler(DaxCli::failure);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    err.println("daxfs: a command is needed");
    spec.commandLine().usage(err);
    return USAGE;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(prefix(cl) + e.getMessage());
    cl.usage(err);
    return USAGE;
  }

  private static int failure(Exception e, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    CliFailure f = translate(t);
    if (f == null) {
      err.println(prefix(cl) + "internal error: " + t);
      t.printStackTrace(err);
      return 1;
    }
    err.println(prefix(cl) + f.getMessage());
    return f.errno().exitStatus();
  }

  private static String prefix(CommandLine cl) {
    return cl.getParent() == null ? "daxfs: " : "daxfs " + cl.getCommandName() + ": ";
  }

  /** The error number and message for what a command threw, or null for a bug. */
  static CliFailure translate(Throwable t) {
    if (t instanceof CliFailure f) {
      return f;
    }
    if (t instanceof IllegalArgumentException) {
      return new CliFailure(Errno.EINVAL, t.getMessage());
    }
    if (t instanceof ReadOnlyFileSystemException) {
      return new CliFailure(Errno.EROFS, "the image is mounted read-only");
    }
    if (t instanceof MediaErrorException) {
      return new CliFailure(Errno.EIO, t.getMessage());
    }
    if (t instanceof CorruptImageException) {
      // What Linux filesystems report for corrupt metadata (XFS's EFSCORRUPTED).
      return new CliFailure(Errno.EUCLEAN, t.getMessage());
    }
    if (t instanceof FileSystemException fse) {
      String file = fse.getFile() == null ? "" : fse.getFile() + ": ";
      if (t instanceof NoSuchFileException) {
        return new CliFailure(Errno.ENOENT, file + Errno.ENOENT.text);
      }
      if (t instanceof FileAlreadyExistsException) {
        return new CliFailure(Errno.EEXIST, file + Errno.EEXIST.text);
      }
      if (t instanceof NotDirectoryException) {
        return new CliFailure(Errno.ENOTDIR, file + Errno.ENOTDIR.text);
      }
      if (t instanceof DirectoryNotEmptyException) {
        return new CliFailure(Errno.ENOTEMPTY, file + Errno.ENOTEMPTY.text);
      }
      if (t instanceof AccessDeniedException) {
        return new CliFailure(Errno.EACCES, file + Errno.EACCES.text);
      }
      for (Errno n : Errno.values()) {
        if (n.text.equals(fse.getReason())) {
          return new CliFailure(n, t.getMessage());
        }
      }
      return new CliFailure(Errno.EIO, t.getMessage());
    }
    if (t instanceof IOException) {
      return new CliFailure(Errno.EIO, String.valueOf(t.getMessage()));
    }
    return null;
  }
}
