package io.daxfs;

import java.nio.file.Path;
import java.nio.file.WatchEvent;

/**
 * Watch event kinds daxfs adds to {@link java.nio.file.StandardWatchEventKinds}, for a {@link
 * java.nio.file.WatchService} of a daxfs filesystem.
 *
 * <p>Register for them as for the standard kinds: {@code dir.register(watcher, ENTRY_MEDIA_ERROR,
 * ENTRY_MODIFY)}. Only daxfs watch services accept them: the JDK's own services throw {@link
 * UnsupportedOperationException} naming the kind, as for any kind they do not know.
 */
public final class DaxWatchEventKinds {
  /**
   * A regular file in the directory has newly lost bytes: sectors under it became known bad (by
   * injection, by an access that met latent poison, or by {@link PmemDevice#scrub()}). The context
   * is the file's name, relative to the directory, under each name it has there. Delivered on the
   * device's notifier thread, after the operation that found the sectors returned or failed; {@link
   * DaxFiles#badRanges(Path)} then tells which bytes were lost. A watcher receives it only if it
   * registered for it.
   */
  public static final WatchEvent.Kind<Path> ENTRY_MEDIA_ERROR = new MediaErrorKind();

  private DaxWatchEventKinds() {}

  private static final class MediaErrorKind implements WatchEvent.Kind<Path> {
    @Override
    public String name() {
      return "ENTRY_MEDIA_ERROR";
    }

    @Override
    public Class<Path> type() {
      return Path.class;
    }

    @Override
    public String toString() {
      return name();
    }
  }
}
