package io.daxfs;

import java.nio.file.FileSystemException;

/**
 * An image that cannot be mounted as it is: torn, truncated, bit-flipped, edited, of a format
 * version newer than this daxfs reads, or holding a length or offset that points outside the file.
 * {@link #getFile()} is the image; {@link #getReason()} says what is wrong and where (the region
 * and its byte offset in the image), so that the message alone tells the story. {@code check
 * --repair} ({@code io.daxfs.image.ImageCheck}) recovers what can be recovered.
 */
public final class CorruptImageException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /**
   * An image refused.
   *
   * @param image the image file
   * @param reason what is wrong and where
   */
  public CorruptImageException(String image, String reason) {
    super(image, null, reason);
  }
}
