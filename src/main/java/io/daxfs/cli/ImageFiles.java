package io.daxfs.cli;

import io.daxfs.DaxConfiguration;
import java.io.IOException;
import java.nio.file.Path;

/** Images as files of the host: daxfs filesystems on image-backed devices. */
enum ImageFiles implements Images {
  INSTANCE;

  @Override
  public Mount create(Path image, DaxConfiguration config) throws IOException {
    throw unavailable();
  }

  @Override
  public Mount mount(Path image, boolean readOnly) throws IOException {
    throw unavailable();
  }

  @Override
  public CheckReport check(Path image, boolean repair) throws IOException {
    throw unavailable();
  }

  // Until image-backed devices are merged, the command line runs only on in-memory stand-ins.
  private static CliFailure unavailable() {
    return new CliFailure(
        CliFailure.Errno.EINVAL, "this build of daxfs has no image-backed devices yet");
  }
}
