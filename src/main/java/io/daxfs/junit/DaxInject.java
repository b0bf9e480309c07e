package io.daxfs.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field that the {@link DaxExtension} sets, before each test's {@code @BeforeEach} methods
 * run, to that test's daxfs resource, chosen by the field's declared type: {@link
 * java.nio.file.FileSystem}, {@link java.nio.file.Path} (the {@linkplain DaxTest#workDirectory()
 * work directory}), {@link io.daxfs.PmemDevice} or {@link PowerCut}.
 *
 * <pre>{@code
 * @DaxTest
 * class JournalTest {
 *   @DaxInject Path dir;
 *   @DaxInject PmemDevice device;
 * }
 * }</pre>
 *
 * <p>Fields of enclosing instances of a {@code @Nested} test are set too. The field must not be
 * static (each test has its own filesystem) nor final, must have one of those four types, and must
 * not also carry {@code @TempDir}; otherwise the test fails with an {@link
 * org.junit.jupiter.api.extension.ExtensionConfigurationException}. A separate annotation, rather
 * than reusing {@code @DaxTest} on fields, keeps "how the filesystem is configured" and "where it
 * goes" apart.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.ANNOTATION_TYPE})
public @interface DaxInject {}
