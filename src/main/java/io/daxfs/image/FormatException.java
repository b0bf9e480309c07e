package io.daxfs.image;

/**
 * Bytes of an image that do not decode: the message says what and where (region and byte offset in
 * the image). Internal; mounts turn it into {@link io.daxfs.CorruptImageException}.
 */
final class FormatException extends Exception {
  private static final long serialVersionUID = 1L;

  FormatException(String message) {
    super(message);
  }
}
