package io.daxfs.fs;

/**
 * The reasons daxfs gives in a {@link java.nio.file.FileSystemException}: the texts of Linux's
 * {@code strerror} for the error numbers daxfs reports, as the JDK's default provider on Linux
 * passes them on, so that a program matching on a reason sees the same text from both. Errors the
 * JDK maps to their own exception types (ENOENT, EEXIST, ...) have none here.
 */
public final class Errno {
  public static final String EPERM = "Operation not permitted";
  public static final String EBUSY = "Device or resource busy";
  public static final String EXDEV = "Invalid cross-device link";
  public static final String ENODEV = "No such device";
  public static final String ENOTDIR = "Not a directory";
  public static final String EISDIR = "Is a directory";
  public static final String EINVAL = "Invalid argument";
  public static final String EFBIG = "File too large";
  public static final String ENOSPC = "No space left on device";
  public static final String ENAMETOOLONG = "File name too long";

  /**
   * Also the reason of {@code rename(2)}'s ENOTEMPTY, which the JDK does not map to {@code
   * DirectoryNotEmptyException}.
   */
  public static final String ENOTEMPTY = "Directory not empty";

  /**
   * ELOOP as the JDK reports it on Linux whatever the operation: Linux's text, then a clause for
   * the {@code O_NOFOLLOW} open of a symbolic link, which fails with the same number.
   */
  public static final String ELOOP =
      "Too many levels of symbolic links or unable to access attributes of symbolic link";

  private Errno() {}
}
