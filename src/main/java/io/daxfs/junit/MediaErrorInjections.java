package io.daxfs.junit;

import io.daxfs.DaxFiles;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The {@link InjectMediaError} annotations of one test, found and applied to its filesystem. Kept
 * apart from the {@link DaxExtension}, which only decides when they apply.
 */
final class MediaErrorInjections {
  private MediaErrorInjections() {}

  /**
   * Applies the annotations of {@code classesOutermostFirst}, outermost first, then those of {@code
   * testMethod}, each in declaration order; relative file names resolve against {@code
   * workDirectory}.
   *
   * @throws ExtensionConfigurationException if an annotation is invalid, as {@link
   *     InjectMediaError} describes; the annotations before it have been applied
   */
  static void applyAll(
      List<Class<?>> classesOutermostFirst,
      Optional<Method> testMethod,
      Path workDirectory,
      PmemDevice device) {
    List<InjectMediaError> injections = new ArrayList<>();
    for (Class<?> type : classesOutermostFirst) {
      injections.addAll(AnnotationSupport.findRepeatableAnnotations(type, InjectMediaError.class));
    }
    testMethod.ifPresent(
        m ->
            injections.addAll(
                AnnotationSupport.findRepeatableAnnotations(m, InjectMediaError.class)));
    for (InjectMediaError injection : injections) {
      apply(injection, workDirectory, device);
    }
  }

  private static void apply(InjectMediaError a, Path workDirectory, PmemDevice device) {
    boolean fileForm = !a.file().isEmpty();
    boolean sectorForm = a.sector() != -1;
    String what = describe(a);
    if (fileForm && sectorForm) {
      throw new ExtensionConfigurationException(
          what
              + " names both a file range (file, offset, length) and device sectors (sector, count); use one");
    }
    if (!fileForm && !sectorForm) {
      throw new ExtensionConfigurationException(
          what
              + " names neither a file range (file, offset, length) nor device sectors (sector, count)");
    }
    try {
      if (fileForm) {
        if (a.count() != -1) {
          throw new ExtensionConfigurationException(
              what + ": count belongs to the sector form; a file range takes offset and length");
        }
        if (a.length() == -1) {
          throw new ExtensionConfigurationException(what + ": a file range needs a length");
        }
        Path file = workDirectory.resolve(a.file());
        long offset = a.offset() == -1 ? 0 : a.offset();
        try {
          if (a.latent()) {
            DaxFiles.injectLatentError(file, offset, a.length());
          } else {
            DaxFiles.injectError(file, offset, a.length());
          }
        } catch (NoSuchFileException e) {
          throw new ExtensionConfigurationException(
              what
                  + ": no such file "
                  + file
                  + " (injections apply after the @BeforeEach methods, which may create it)",
              e);
        }
      } else {
        if (a.offset() != -1 || a.length() != -1) {
          throw new ExtensionConfigurationException(
              what + ": offset and length belong to the file form; sectors take sector and count");
        }
        long count = a.count() == -1 ? 1 : a.count();
        if (a.latent()) {
          device.injectLatentError(a.sector(), count);
        } else {
          device.injectError(a.sector(), count);
        }
      }
    } catch (IOException
        | IllegalArgumentException e) { // IllegalArgumentException includes InvalidPathException
      throw new ExtensionConfigurationException(what + ": " + e.getMessage(), e);
    }
  }

  /** The annotation as written, with only the attributes that were given. */
  private static String describe(InjectMediaError a) {
    List<String> parts = new ArrayList<>();
    if (!a.file().isEmpty()) {
      parts.add("file = \"" + a.file() + "\"");
    }
    if (a.offset() != -1) {
      parts.add("offset = " + a.offset());
    }
    if (a.length() != -1) {
      parts.add("length = " + a.length());
    }
    if (a.sector() != -1) {
      parts.add("sector = " + a.sector());
    }
    if (a.count() != -1) {
      parts.add("count = " + a.count());
    }
    if (a.latent()) {
      parts.add("latent = true");
    }
    return "@InjectMediaError(" + String.join(", ", parts) + ")";
  }
}
