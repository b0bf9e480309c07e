package io.daxfs.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Poisons the test's daxfs device after its {@code @BeforeEach} methods ran (so the files they
 * create can be named) and just before the test method runs. Name either a file range or device
 * sectors:
 *
 * <pre>{@code
 * @InjectMediaError(file = "/data", offset = 4608, length = 512)   // DaxFiles.injectError
 * @InjectMediaError(sector = 1000, count = 8, latent = true)        // PmemDevice.injectLatentError
 * }</pre>
 *
 * <p>A file range is rounded out to whole sectors; a relative {@code file} resolves against the
 * {@linkplain DaxTest#workDirectory() work directory}. Repeatable; annotations on the test's
 * classes (outermost first) apply before those on the method. Needs a {@link DaxExtension}, which
 * {@link DaxTest} registers.
 *
 * <p>The test fails with an {@link org.junit.jupiter.api.extension.ExtensionConfigurationException}
 * when an annotation names neither form or both, mixes attributes of the two forms, lacks the
 * {@code length} of a file range, names a file that does not exist or is not a regular file, or a
 * range outside the file (or over a hole) or outside the device.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(InjectMediaError.List.class)
public @interface InjectMediaError {
  /** The file whose bytes to poison; empty (the default) for the sector form. */
  String file() default "";

  /** First file byte of the range (file form); 0 when not given. */
  long offset() default -1;

  /** Bytes in the range (file form); required with {@link #file()}. */
  long length() default -1;

  /** First device sector (sector form); not given (-1) for the file form. */
  long sector() default -1;

  /** Sectors to poison (sector form); 1 when not given. */
  long count() default -1;

  /**
   * Whether the poison is latent: not listed in the badblocks until an access consumes it or a
   * {@link io.daxfs.PmemDevice#scrub()} finds it, as {@code ndctl inject-error --no-notify} does.
   */
  boolean latent() default false;

  /** Holds repeated {@link InjectMediaError} annotations. */
  @Documented
  @Inherited
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @interface List {
    /** The annotations, in declaration order. */
    InjectMediaError[] value();
  }
}
