package io.daxfs.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.daxfs.BadBlock;
import io.daxfs.DaxFileSystems;
import io.daxfs.DaxFiles;
import io.daxfs.FileRange;
import io.daxfs.MediaErrorException;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small test classes (the static nested classes below, enabled only by {@link KitOnly})
 * through JUnit's {@code EngineTestKit} and checks what the {@link DaxExtension} did for them. The
 * nested classes record what they were given in static queues, which the outer tests read after the
 * run.
 */
class DaxExtensionTest {

  // ---------------------------------------------------------------- injection and closing

  static final Queue<FileSystem> INJECTED = new ConcurrentLinkedQueue<>();

  @ExtendWith(KitOnly.class)
  @DaxTest(workDirectory = "/work/dir")
  static class Injection {
    @DaxInject FileSystem fs;
    @DaxInject Path dir;
    @DaxInject PmemDevice device;

    @BeforeEach
    void before(FileSystem fromParameter) {
      assertThat(fromParameter).isSameAs(fs);
    }

    @Test
    void parametersAndFields(FileSystem fs, Path dir, PmemDevice device) {
      INJECTED.add(fs);
      assertThat(fs).isSameAs(this.fs);
      assertThat(dir).isSameAs(this.dir).isEqualTo(fs.getPath("/work/dir")).isDirectory();
      assertThat(device).isSameAs(this.device).isSameAs(DaxFileSystems.device(fs));
      assertThat(device.size()).isEqualTo(64L << 20);
      assertThat(device.sectorSize()).isEqualTo(512);
      assertThat(device.mediaErrorModel()).isEqualTo(MediaErrorModel.DIRECT_BYPASS);
    }

    @Test
    void anotherTestAnotherFileSystem(FileSystem fs) throws IOException {
      INJECTED.add(fs);
      assertThat(Files.exists(fs.getPath("/written-by-the-other-test"))).isFalse();
      Files.writeString(fs.getPath("/written-by-the-other-test"), "x");
    }

    @Test
    void tempDirIsLeftToJUnit(@TempDir Path tmp, Path dir) {
      INJECTED.add(fs);
      assertThat(tmp.getFileSystem()).isSameAs(FileSystems.getDefault());
      assertThat(dir.getFileSystem()).isSameAs(fs);
    }

    @AfterEach
    void after(FileSystem fs) {
      assertThat(fs.isOpen()).as("open during @AfterEach").isTrue();
    }
  }

  @Test
  void injectsParametersAndFieldsAndClosesEachTestsFileSystem() {
    INJECTED.clear();
    assertSucceeded(run(Injection.class), 3);
    assertThat(INJECTED).hasSize(3).doesNotHaveDuplicates().noneMatch(FileSystem::isOpen);
  }

  static final Queue<FileSystem> REGISTERED = new ConcurrentLinkedQueue<>();

  @ExtendWith(KitOnly.class)
  static class Registered {
    @RegisterExtension static final DaxExtension DAX = new DaxExtension();

    @Test
    void defaultsWithoutAnnotation(FileSystem fs, Path dir, PmemDevice device) {
      REGISTERED.add(fs);
      assertThat(dir).isEqualTo(fs.getPath("/"));
      assertThat(device.size()).isEqualTo(64L << 20);
    }
  }

  /** Registered twice (annotation and field): one instance acts, so parameters do not compete. */
  @ExtendWith(KitOnly.class)
  @DaxTest(deviceSize = "16m")
  static class RegisteredTwice {
    @RegisterExtension static final DaxExtension DAX = new DaxExtension();
    @DaxInject FileSystem fs;

    @Test
    void oneFileSystem(FileSystem fs, PmemDevice device) {
      REGISTERED.add(fs);
      assertThat(fs).isSameAs(this.fs);
      assertThat(device.size()).isEqualTo(16L << 20);
    }
  }

  @Test
  void worksWithRegisterExtension() {
    REGISTERED.clear();
    assertSucceeded(run(Registered.class), 1);
    assertSucceeded(run(RegisteredTwice.class), 1);
    assertThat(REGISTERED).hasSize(2).noneMatch(FileSystem::isOpen);
  }

  // ---------------------------------------------------------------- configuration

  static final Queue<FileSystem> CONFIGURED = new ConcurrentLinkedQueue<>();

  @ExtendWith(KitOnly.class)
  @DaxTest(deviceSize = "32m")
  static class Configured {
    @DaxInject FileSystem outerFs;

    @Test
    void classLevel(PmemDevice device) {
      CONFIGURED.add(outerFs);
      assertThat(device.size()).isEqualTo(32L << 20);
      assertThat(device.sectorSize()).isEqualTo(512);
    }

    @Test
    @DaxTest(sectorSize = 4096, model = MediaErrorModel.RECOVERY_WRITE)
    void methodLevelReplacesTheClassAnnotationWhole(PmemDevice device) {
      CONFIGURED.add(outerFs);
      assertThat(device.size()).as("not merged with the class's 32m").isEqualTo(64L << 20);
      assertThat(device.sectorSize()).isEqualTo(4096);
      assertThat(device.mediaErrorModel()).isEqualTo(MediaErrorModel.RECOVERY_WRITE);
    }

    @Nested
    class Inherits {
      @Test
      void enclosingClassAnnotation(FileSystem fs, PmemDevice device) {
        CONFIGURED.add(fs);
        assertThat(device.size()).isEqualTo(32L << 20);
        assertThat(outerFs).as("the enclosing instance's field").isSameAs(fs);
      }
    }

    @Nested
    @DaxTest(model = MediaErrorModel.CLEAR_ON_ZERO, workDirectory = "/nested")
    class Overrides {
      @DaxInject Path dir;

      @Test
      void ownAnnotation(PmemDevice device) {
        CONFIGURED.add(outerFs);
        assertThat(device.size()).isEqualTo(64L << 20);
        assertThat(device.mediaErrorModel()).isEqualTo(MediaErrorModel.CLEAR_ON_ZERO);
        assertThat(dir).isEqualTo(outerFs.getPath("/nested")).isDirectory();
      }
    }
  }

  @Test
  void methodAnnotationOverridesClassAndNestedClassesInherit() {
    CONFIGURED.clear();
    assertSucceeded(run(Configured.class), 4);
    assertThat(CONFIGURED).hasSize(4).doesNotHaveDuplicates().noneMatch(FileSystem::isOpen);
  }

  // ---------------------------------------------------------------- declarative injection

  static final Queue<FileSystem> DECLARED = new ConcurrentLinkedQueue<>();

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class Declarative {
    @DaxInject FileSystem fs;
    @DaxInject Path dir;
    @DaxInject PmemDevice device;
    Path data;

    @BeforeEach
    void createData() throws IOException {
      DECLARED.add(fs);
      data = dir.resolve("data");
      Files.write(data, new byte[16384]);
      assertThat(device.badblocks()).as("not injected before @BeforeEach methods ran").isEmpty();
    }

    @Test
    @InjectMediaError(file = "/data", offset = 4608, length = 512)
    void byFileRange() throws IOException {
      assertThat(DaxFiles.badRanges(data)).containsExactly(new FileRange(4608, 512));
      assertThatThrownBy(() -> Files.readAllBytes(data)).isInstanceOf(MediaErrorException.class);
    }

    @Test
    @DaxTest(workDirectory = "/w")
    @InjectMediaError(file = "data", length = 1)
    void relativeFileInWorkDirectoryAndDefaultOffset() throws IOException {
      assertThat(data).isEqualTo(fs.getPath("/w/data"));
      assertThat(DaxFiles.badRanges(data)).containsExactly(new FileRange(0, 512));
    }

    @Test
    @InjectMediaError(file = "/data", offset = 0, length = 1, latent = true)
    void byFileRangeLatent() throws IOException {
      assertThat(DaxFiles.badRanges(data)).isEmpty();
      assertThat(device.badblocks()).isEmpty();
      assertThatThrownBy(() -> Files.readAllBytes(data)).isInstanceOf(MediaErrorException.class);
      assertThat(DaxFiles.badRanges(data)).containsExactly(new FileRange(0, 512));
    }

    @Test
    @InjectMediaError(sector = 1000, count = 8)
    void bySectors() {
      assertThat(device.badblocks()).containsExactly(new BadBlock(1000, 8));
    }

    @Test
    @InjectMediaError(sector = 1000, count = 8, latent = true)
    void bySectorsLatent() {
      assertThat(device.badblocks()).isEmpty();
      assertThat(device.scrub()).containsExactly(new BadBlock(1000, 8));
    }

    @Test
    @InjectMediaError(sector = 10)
    @InjectMediaError(sector = 20)
    void repeatedWithDefaultCount() {
      assertThat(device.badblocks()).containsExactly(new BadBlock(10, 1), new BadBlock(20, 1));
    }
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  @InjectMediaError(sector = 5)
  static class ClassLevelInjection {
    @Test
    @InjectMediaError(sector = 7)
    void classAndMethodAnnotationsBothApply(FileSystem fs, PmemDevice device) {
      DECLARED.add(fs);
      assertThat(device.badblocks()).containsExactly(new BadBlock(5, 1), new BadBlock(7, 1));
    }
  }

  @Test
  void injectsMediaErrorsDeclarativelyAfterBeforeEach() {
    DECLARED.clear();
    assertSucceeded(run(Declarative.class), 6);
    assertSucceeded(run(ClassLevelInjection.class), 1);
    assertThat(DECLARED).hasSize(7).noneMatch(FileSystem::isOpen);
  }

  static final Queue<FileSystem> MISCONFIGURED = new ConcurrentLinkedQueue<>();

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class BadConfigurations {
    @DaxInject FileSystem fs;

    @BeforeEach
    void createData() throws IOException {
      MISCONFIGURED.add(fs);
      Files.write(fs.getPath("/data"), new byte[4096]);
      Files.createDirectory(fs.getPath("/dir"));
    }

    @Test
    @InjectMediaError(latent = true)
    void neither() {}

    @Test
    @InjectMediaError(file = "/data", length = 512, sector = 3)
    void both() {}

    @Test
    @InjectMediaError(file = "/data", length = 512, count = 2)
    void mixed() {}

    @Test
    @InjectMediaError(file = "/data")
    void noLength() {}

    @Test
    @InjectMediaError(file = "/missing", length = 512)
    void missingFile() {}

    @Test
    @InjectMediaError(file = "/dir", length = 512)
    void directory() {}

    @Test
    @InjectMediaError(file = "/data", offset = 4096, length = 512)
    void outsideTheFile() {}

    @Test
    @InjectMediaError(sector = 1L << 40)
    void outsideTheDevice() {}

    @Test
    @DaxTest(sectorSize = 1000)
    void badSectorSize() {}

    @Test
    @DaxTest(deviceSize = "lots")
    void badDeviceSize() {}

    @Test
    @DaxTest(workDirectory = "relative")
    void relativeWorkDirectory() {}
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class StaticField {
    @DaxInject static FileSystem fs;

    @Test
    void test() {}
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class WrongFieldType {
    @DaxInject String name;

    @Test
    void test() {}
  }

  @Test
  void badConfigurationsFailClearly() {
    MISCONFIGURED.clear();
    Map<String, TestExecutionResult> outcomes = outcomes(run(BadConfigurations.class));
    assertThat(outcomes).hasSize(11);
    assertConfigurationError(
        outcomes, "neither", "@InjectMediaError(latent = true) names neither a file range");
    assertConfigurationError(outcomes, "both", "names both a file range");
    assertConfigurationError(outcomes, "mixed", "count belongs to the sector form");
    assertConfigurationError(
        outcomes, "noLength", "@InjectMediaError(file = \"/data\"): a file range needs a length");
    assertConfigurationError(outcomes, "missingFile", "no such file /missing");
    assertConfigurationError(outcomes, "directory", "/dir");
    assertConfigurationError(
        outcomes,
        "outsideTheFile",
        "@InjectMediaError(file = \"/data\", offset = 4096, length = 512): ");
    assertConfigurationError(
        outcomes, "outsideTheDevice", "@InjectMediaError(sector = 1099511627776): ");
    assertConfigurationError(outcomes, "badSectorSize", "sectorSize must be 512 or 4096, got 1000");
    assertConfigurationError(outcomes, "badDeviceSize", "not a size: 'lots'");
    assertConfigurationError(outcomes, "relativeWorkDirectory", "workDirectory must be absolute");
    assertThat(MISCONFIGURED)
        .as("filesystems of the injection errors")
        .hasSize(8)
        .noneMatch(FileSystem::isOpen);

    assertConfigurationError(outcomes(run(StaticField.class)), "test", "must not be static");
    assertConfigurationError(
        outcomes(run(WrongFieldType.class)),
        "test",
        "WrongFieldType.name has type java.lang.String; it must be FileSystem, Path, PmemDevice or PowerCut");
  }

  // ---------------------------------------------------------------- the media report

  static final Queue<FileSystem> FAILED = new ConcurrentLinkedQueue<>();
  static final AtomicReference<String> BADBLOCKS_AT_FAILURE = new AtomicReference<>();

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class Failing {
    @DaxInject FileSystem fs;
    @DaxInject PmemDevice device;

    @BeforeEach
    void createData() throws IOException {
      FAILED.add(fs);
      Files.write(fs.getPath("/data"), new byte[16384]);
      Files.write(fs.getPath("/healthy"), new byte[4096]);
    }

    @Test
    @InjectMediaError(file = "/data", offset = 4608, length = 512)
    void mediaError() throws IOException {
      BADBLOCKS_AT_FAILURE.set(device.badblocksText());
      Files.readAllBytes(fs.getPath("/data"));
    }

    @Test
    void plainAssertion() {
      assertThat(1).isEqualTo(2);
    }

    @Test
    void aborted() {
      Assumptions.assumeTrue(false, "not here");
    }
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  @InjectMediaError(sector = 64)
  static class FailingAfterEach {
    @DaxInject FileSystem fs;

    @Test
    void passes() {
      FAILED.add(fs);
    }

    @AfterEach
    void fails() {
      throw new IllegalStateException("cleanup failed");
    }
  }

  @Test
  void failureCarriesTheMediaReport() {
    FAILED.clear();
    EngineExecutionResults results = run(Failing.class);
    Map<String, TestExecutionResult> outcomes = outcomes(results);

    Throwable mediaError = outcomes.get("mediaError").getThrowable().orElseThrow();
    assertThat(mediaError)
        .as("the original failure, unchanged")
        .isInstanceOf(MediaErrorException.class)
        .hasMessageContaining("/data: Input/output error");
    String report = report(mediaError);
    assertThat(BADBLOCKS_AT_FAILURE.get()).isNotBlank();
    BADBLOCKS_AT_FAILURE
        .get()
        .lines()
        .forEach(line -> assertThat(report).contains("\n  " + line + "\n"));
    assertThat(report)
        .startsWith("daxfs media report (device 64m, 512-byte sectors, DIRECT_BYPASS)")
        .contains("files with bad ranges:\n  /data [[4608, 5120)]")
        .doesNotContain("/healthy");

    List<String> entries =
        results.allEvents().reportingEntryPublished().stream()
            .map(
                e ->
                    e.getRequiredPayload(ReportEntry.class)
                        .getKeyValuePairs()
                        .get(DaxExtension.REPORT_KEY))
            .toList();
    assertThat(entries)
        .as("published for the two failures, not for the aborted test")
        .hasSize(2)
        .contains(report);

    Throwable assertion = outcomes.get("plainAssertion").getThrowable().orElseThrow();
    assertThat(assertion).isInstanceOf(AssertionError.class).hasMessageContaining("expected: 2");
    assertThat(report(assertion))
        .contains("badblocks: none known")
        .endsWith("files with bad ranges: none");

    Throwable aborted = outcomes.get("aborted").getThrowable().orElseThrow();
    assertThat(outcomes.get("aborted").getStatus()).isEqualTo(TestExecutionResult.Status.ABORTED);
    assertThat(aborted.getSuppressed()).isEmpty();

    Throwable afterEach =
        outcomes(run(FailingAfterEach.class)).get("passes").getThrowable().orElseThrow();
    assertThat(afterEach).isInstanceOf(IllegalStateException.class).hasMessage("cleanup failed");
    assertThat(report(afterEach)).contains("\n  64 1\n");

    assertThat(FAILED).hasSize(4).noneMatch(FileSystem::isOpen);
  }

  // ---------------------------------------------------------------- parallel execution

  static final Queue<FileSystem> PARALLEL = new ConcurrentLinkedQueue<>();
  static final CyclicBarrier TOGETHER = new CyclicBarrier(4);

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class Parallel {
    @DaxInject FileSystem fs;

    void run(String name) throws Exception {
      PARALLEL.add(fs);
      Files.writeString(fs.getPath("/" + name), name);
      try {
        // Best effort: meet the other tests so that they really overlap; never fail for it.
        TOGETHER.await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // too few threads: the isolation checks below still hold
      }
      try (Stream<Path> files = Files.list(fs.getPath("/"))) {
        assertThat(files.map(Path::toString)).containsExactly("/" + name);
      }
    }

    @Test
    void a() throws Exception {
      run("a");
    }

    @Test
    void b() throws Exception {
      run("b");
    }

    @Test
    void c() throws Exception {
      run("c");
    }

    @Test
    void d() throws Exception {
      run("d");
    }
  }

  @Test
  void parallelTestsEachHaveTheirOwnFileSystem() {
    PARALLEL.clear();
    TOGETHER.reset();
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(Parallel.class))
            .configurationParameter(KitOnly.KEY, "true")
            .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
            .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
            .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
            .configurationParameter(
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
            .execute();
    assertSucceeded(results, 4);
    assertThat(PARALLEL).hasSize(4).doesNotHaveDuplicates().noneMatch(FileSystem::isOpen);
  }

  // ---------------------------------------------------------------- helpers

  private static EngineExecutionResults run(Class<?> testClass) {
    return EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(testClass))
        .configurationParameter(KitOnly.KEY, "true")
        .execute();
  }

  /** Each finished test's result, by method name. */
  private static Map<String, TestExecutionResult> outcomes(EngineExecutionResults results) {
    Map<String, TestExecutionResult> outcomes = new TreeMap<>();
    for (Event e : results.testEvents().finished().list()) {
      String method =
          e.getTestDescriptor()
              .getSource()
              .map(s -> ((MethodSource) s).getMethodName())
              .orElseThrow();
      outcomes.put(method, e.getRequiredPayload(TestExecutionResult.class));
    }
    return outcomes;
  }

  /**
   * Fails, showing every failure's stack trace, unless exactly {@code count} tests ran and passed.
   */
  private static void assertSucceeded(EngineExecutionResults results, int count) {
    Map<String, TestExecutionResult> outcomes = outcomes(results);
    List<String> failures = new ArrayList<>();
    outcomes.forEach(
        (method, result) -> {
          if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
            failures.add(
                method
                    + ": "
                    + result.getThrowable().map(DaxExtensionTest::stackTrace).orElse("?"));
          }
        });
    assertThat(failures).as("failed tests").isEmpty();
    assertThat(outcomes).as("tests run").hasSize(count);
  }

  private static void assertConfigurationError(
      Map<String, TestExecutionResult> outcomes, String method, String message) {
    assertThat(outcomes).containsKey(method);
    assertThat(outcomes.get(method).getThrowable())
        .as(method)
        .get(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining(message);
  }

  /** The media report attached to a failure. */
  private static String report(Throwable failure) {
    List<Throwable> reports =
        Arrays.stream(failure.getSuppressed()).filter(DaxMediaReport.class::isInstance).toList();
    assertThat(reports).as("media reports on " + failure).hasSize(1);
    return reports.get(0).getMessage();
  }

  private static String stackTrace(Throwable t) {
    var out = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }
}
