package io.daxfs.junit;

import io.daxfs.MediaErrorModel;
import io.daxfs.PowerFailModel;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test with a fresh daxfs filesystem, created before the test's {@code @BeforeEach}
 * methods and closed after its {@code @AfterEach} methods (also when the test fails), by the {@link
 * DaxExtension}. The test receives the {@link java.nio.file.FileSystem}, its work directory as a
 * {@link java.nio.file.Path}, its {@link io.daxfs.PmemDevice} and a {@link PowerCut} as parameters
 * of test, {@code @BeforeEach} and {@code @AfterEach} methods, or in fields annotated {@link
 * DaxInject}.
 *
 * <pre>{@code
 * @DaxTest(deviceSize = "16m", model = MediaErrorModel.RECOVERY_WRITE)
 * class RecoveryTest {
 *   @Test
 *   void survivesALostSector(Path dir, PmemDevice device) throws IOException { ... }
 * }
 * }</pre>
 *
 * <p>{@code @DaxTest} does not make a method a test: put it beside {@code @Test},
 * {@code @ParameterizedTest} and the like. On a method it replaces the annotation of its class as a
 * whole (attributes are not merged); on a class it applies to the tests of its {@code @Nested}
 * classes unless they carry their own, and it is inherited by subclasses.
 *
 * <p>An invalid setting (a size that cannot be read, a block size smaller than the sector size, a
 * relative work directory, ...) fails the test with an {@link
 * org.junit.jupiter.api.extension.ExtensionConfigurationException} naming the setting.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(DaxExtension.class)
public @interface DaxTest {
  /**
   * Size of the emulated device: bytes or a size such as {@code "64m"} or {@code "1g"} (see {@link
   * io.daxfs.DaxConfiguration#parseSize(String)}). The device is sparse, so a large one costs only
   * what the test writes.
   *
   * <p>The default, 64 MiB, is smaller than {@link io.daxfs.DaxConfiguration}'s 256 MiB on purpose:
   * sparse, the two cost the same, but a test that fills the device to meet "No space left on
   * device" writes a quarter as much. A test that needs more room names its size.
   */
  String deviceSize() default "64m";

  /** Filesystem block size in bytes: a power of two from 512 to 65536, at least the sector size. */
  int blockSize() default 4096;

  /** Device logical sector size in bytes: 512 or 4096. */
  int sectorSize() default 512;

  /** What clears a media error. */
  MediaErrorModel model() default MediaErrorModel.DIRECT_BYPASS;

  /**
   * What a power cut may do to what the test's program did not make durable, for tests that cut the
   * power: those that take a {@link PowerCut} (as a parameter of the test, of a {@code BeforeEach}
   * or {@code AfterEach} method, or as a {@link DaxInject} field), and every {@link PowerFailTest}.
   * Other tests' filesystems track nothing.
   */
  PowerFailModel powerFailModel() default PowerFailModel.STRICT;

  /**
   * The absolute directory of the filesystem injected as the test's {@code Path}. Unless it is
   * {@code "/"}, it is created (with its parents) before the test; relative {@link
   * InjectMediaError#file()} names resolve against it.
   */
  String workDirectory() default "/";
}
