package io.daxfs.junit;

import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The runs of a {@link PowerFailTest}: one per seed, each telling its seed to the {@link PowerCut}.
 */
final class PowerFailSeeds implements TestTemplateInvocationContextProvider {
  @Override
  public boolean supportsTestTemplate(ExtensionContext context) {
    return context
        .getTestMethod()
        .map(m -> AnnotationSupport.isAnnotated(m, PowerFailTest.class))
        .orElse(false);
  }

  @Override
  public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(
      ExtensionContext context) {
    PowerFailTest a =
        AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), PowerFailTest.class)
            .orElseThrow();
    long[] seeds =
        a.seeds().length > 0
            ? a.seeds()
            : LongStream.range(0, Math.max(0, a.count())).map(i -> a.firstSeed() + i).toArray();
    if (seeds.length == 0) {
      throw new ExtensionConfigurationException(
          "@PowerFailTest on "
              + context.getRequiredTestMethod()
              + " names no seed: count is "
              + a.count());
    }
    return Arrays.stream(seeds).mapToObj(Run::new);
  }

  /** One run: its name, and its seed put where the {@link DaxExtension} finds it. */
  private record Run(long seed) implements TestTemplateInvocationContext {
    @Override
    public String getDisplayName(int invocationIndex) {
      return "seed " + seed;
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      return List.of((BeforeEachCallback) context -> DaxExtension.setSeed(context, seed));
    }
  }
}
