package io.daxfs.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test once per seed, each run with a fresh daxfs filesystem that tracks durability, and a
 * {@link PowerCut} whose {@link PowerCut#cut()} uses that run's seed. Each run is named by its seed
 * ({@code "seed 17"}), and a failing run's report names the seed and how to replay it:
 * {@code @PowerFailTest(seeds = 17)}. Use it instead of {@code @Test}; the filesystem is configured
 * by the {@link DaxTest} of the method or class, as for any daxfs test.
 *
 * <pre>{@code
 * @PowerFailTest(count = 200)
 * void survives(Path dir, PowerCut power) throws IOException { ... }
 * }</pre>
 *
 * <p>Seeds are {@link #seeds()} when given, else {@link #count()} seeds from {@link #firstSeed()}
 * on. A setting that names no seed fails the test with an {@link
 * org.junit.jupiter.api.extension.ExtensionConfigurationException}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ExtendWith({DaxExtension.class, PowerFailSeeds.class})
public @interface PowerFailTest {
  /** How many seeds to run, from {@link #firstSeed()} on; ignored when {@link #seeds()} is set. */
  int count() default 100;

  /** The first seed of {@link #count()}. */
  long firstSeed() default 0;

  /** The seeds to run, such as the one a failure named; when set, {@link #count()} is ignored. */
  long[] seeds() default {};
}
