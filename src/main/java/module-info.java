/**
 * daxfs: an emulated DAX (persistent-memory) filesystem behind {@code java.nio.file}, with media
 * errors that can be injected and met as on Linux pmem.
 *
 * <p>{@link io.daxfs} is the API; {@link io.daxfs.junit} the JUnit Jupiter extension and AssertJ
 * assertions, whose use needs {@code org.junit.jupiter.api} and {@code org.assertj.core} in the
 * consumer's own module graph (daxfs itself runs without them). The provider of the {@code dax} URI
 * scheme is found by {@link java.nio.file.FileSystems#newFileSystem(java.net.URI, java.util.Map)}
 * through the service loader, on the module path as on the class path.
 *
 * @provides java.nio.file.spi.FileSystemProvider the {@code dax} scheme
 */
module io.daxfs {
  requires com.google.common;
  // com.sun.nio.file.ExtendedOpenOption.DIRECT selects the block-driver path.
  requires jdk.unsupported;
  // Only io.daxfs.junit uses them; a consumer of that package brings them.
  requires static org.junit.jupiter.api;
  requires static org.assertj.core;
  // The nullness annotations of the API (@NullMarked, @Nullable): class-file retention, so nothing
  // needs them at run time, nor to compile against daxfs.
  requires static org.jspecify;
  // Only the command line (io.daxfs.cli, not exported) uses them; it runs from the shaded -cli jar.
  requires static info.picocli;
  requires static com.fasterxml.jackson.databind;

  // jdk.nio.mapmode is not required: its map modes are looked up reflectively, and a caller can
  // only pass one if its own module graph holds that module, where the lookup then finds it.

  exports io.daxfs;
  exports io.daxfs.junit;

  provides java.nio.file.spi.FileSystemProvider with
      io.daxfs.nio.DaxFileSystemProvider;
}
