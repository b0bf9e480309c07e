package io.daxfs.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Enables a test class only when the {@code EngineTestKit} of an outer test runs it with the
 * configuration parameter {@value #KEY}. Those classes fail on purpose, so a build or an IDE that
 * finds them by scanning must skip them. A configuration parameter, unlike a system property, is
 * seen only by the kit's own run, even while other tests run in parallel in the same JVM.
 */
final class KitOnly implements ExecutionCondition {
  static final String KEY = "io.daxfs.junit.kit";

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return context.getConfigurationParameter(KEY, Boolean::parseBoolean).orElse(false)
        ? ConditionEvaluationResult.enabled("run by an EngineTestKit")
        : ConditionEvaluationResult.disabled("runs only inside an EngineTestKit of an outer test");
  }
}
