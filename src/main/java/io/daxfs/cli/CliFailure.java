package io.daxfs.cli;

/**
 * A command that cannot do what was asked: the message goes to stderr and, as ndctl exits with its
 * negated error number, the exit status is {@code -errno & 0xff} (234 for EINVAL, 254 for ENOENT).
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Errno errno;

  CliFailure(Errno errno, String message) {
    super(message, null, false, false);
    this.errno = errno;
  }

  Errno errno() {
    return errno;
  }

  /** The error numbers the command line reports, with Linux's numbers and {@code strerror} text. */
  enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EIO(5, "Input/output error"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENOTEMPTY(39, "Directory not empty"),
    EUCLEAN(117, "Structure needs cleaning");

    final int number;
    final String text;

    Errno(int number, String text) {
      this.number = number;
      this.text = text;
    }

    /** The exit status ndctl gives for this error: its negated number, as a byte. */
    int exitStatus() {
      return -number & 0xff;
    }
  }
}
