package io.daxfs.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * A power-fail test in a line or two: the {@link PowerCut} parameter and {@link PowerFailTest}'s
 * runs over seeds, run through JUnit's {@code EngineTestKit} as {@link DaxExtensionTest} runs its
 * nested classes.
 */
class PowerCutTest {
  static final Queue<FileSystem> SEEN = new ConcurrentLinkedQueue<>();
  static final Map<Long, Boolean> SURVIVED = new java.util.concurrent.ConcurrentSkipListMap<>();

  private static void force(Path p) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            p, Files.isDirectory(p) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  @ExtendWith(KitOnly.class)
  @DaxTest(workDirectory = "/work")
  static class OneLine {
    @Test
    void cutAndLookAgain(FileSystem fs, Path dir, PmemDevice device, PowerCut power)
        throws IOException {
      Files.writeString(dir.resolve("kept"), "durable");
      force(dir.resolve("kept"));
      force(dir);
      FileSystem after = power.cut();
      SEEN.add(fs);
      SEEN.add(after);
      assertThat(Files.readString(after.getPath("/work/kept"))).isEqualTo("durable");
      assertThat(DaxFileSystems.device(after)).isSameAs(device);
      assertThat(power.model()).isEqualTo(PowerFailModel.STRICT);
      FileSystem again = power.cut(); // the restarted filesystem loses power in its turn
      SEEN.add(again);
      assertThat(Files.readString(again.getPath("/work/kept"))).isEqualTo("durable");
    }
  }

  @Test
  void aTestCutsThePowerAndTheRestartedFilesystemsAreClosedAfterIt() {
    SEEN.clear();
    assertSucceeded(run(OneLine.class), 1);
    assertThat(SEEN).hasSize(3).doesNotHaveDuplicates().noneMatch(FileSystem::isOpen);
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class Seeds {
    @PowerFailTest(count = 40, firstSeed = 1000)
    void createWithoutDirectoryFsync(Path dir, PowerCut power) throws IOException {
      Files.writeString(dir.resolve("f"), "x");
      force(dir.resolve("f")); // but not the directory
      long seed = power.seed();
      boolean there = Files.exists(power.cut().getPath("/f"));
      SURVIVED.put(seed, there);
      assertThat(there).as("the file survived").isTrue();
    }
  }

  @Test
  void eachSeedIsARunNamedByItsSeedAndAFailureSaysHowToReplayIt() {
    SURVIVED.clear();
    EngineExecutionResults results = run(Seeds.class);
    Map<String, TestExecutionResult> byName = new TreeMap<>();
    for (Event e : results.testEvents().finished().list()) {
      byName.put(
          e.getTestDescriptor().getDisplayName(), e.getRequiredPayload(TestExecutionResult.class));
    }
    assertThat(byName).hasSize(40).containsKeys("seed 1000", "seed 1039");
    assertThat(SURVIVED.keySet()).hasSize(40).contains(1000L, 1039L);
    List<Long> lost = new ArrayList<>();
    SURVIVED.forEach(
        (seed, there) -> {
          TestExecutionResult r = byName.get("seed " + seed);
          assertThat(r.getStatus() == TestExecutionResult.Status.SUCCESSFUL)
              .as("seed %d", seed)
              .isEqualTo(there);
          if (!there) {
            lost.add(seed);
            assertThat(report(r.getThrowable().orElseThrow()))
                .contains("power cut under STRICT with seed [" + seed + "]")
                .contains("@PowerFailTest(seeds = " + seed + ")");
          }
        });
    assertThat(lost).as("STRICT loses an unsynced name for some seeds").isNotEmpty();

    Map<Long, Boolean> first = new TreeMap<>(SURVIVED);
    SURVIVED.clear();
    run(Seeds.class);
    assertThat(SURVIVED).as("the same seeds, the same outcomes").isEqualTo(first);
  }

  @ExtendWith(KitOnly.class)
  @DaxTest(powerFailModel = PowerFailModel.ORDERED)
  static class FieldAndBeforeEach {
    @DaxInject PowerCut field;
    PowerCut fromBeforeEach;

    @BeforeEach
    void before(PowerCut power) {
      fromBeforeEach = power;
    }

    @Test
    void theSamePowerCut(PowerCut power, FileSystem fs) throws IOException {
      assertThat(power).isSameAs(field).isSameAs(fromBeforeEach);
      assertThat(power.model()).isEqualTo(PowerFailModel.ORDERED);
      assertThat(power.seed()).isZero();
      FileSystem after = power.cut();
      assertThat(fs.isOpen()).isFalse();
      assertThat(after.isOpen()).isTrue();
      assertThat(power.seed()).as("the next cut's seed").isNotZero();
    }
  }

  @Test
  void aPowerCutComesAsAFieldAndToBeforeEachMethods() {
    assertSucceeded(run(FieldAndBeforeEach.class), 1);
  }

  @ExtendWith(KitOnly.class)
  @DaxTest
  static class NoPowerCut {
    @Test
    void tracksNothing(FileSystem fs) {
      assertThatThrownBy(() -> DaxFileSystems.powerFail(fs, 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("powerFailModel");
    }

    @PowerFailTest(count = 0)
    void noSeed(PowerCut power) {}
  }

  @Test
  void aTestThatTakesNoPowerCutTracksNothing() {
    Map<String, TestExecutionResult> outcomes = new TreeMap<>();
    for (Event e : run(NoPowerCut.class).allEvents().finished().list()) {
      if (e.getTestDescriptor().getSource().isPresent()) {
        outcomes.put(
            e.getTestDescriptor().getDisplayName(),
            e.getRequiredPayload(TestExecutionResult.class));
      }
    }
    assertThat(outcomes.get("tracksNothing(FileSystem)").getStatus())
        .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    assertThat(outcomes.get("noSeed(PowerCut)").getThrowable())
        .get(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("names no seed");
  }

  // ---------------------------------------------------------------- helpers

  private static EngineExecutionResults run(Class<?> testClass) {
    return EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(testClass))
        .configurationParameter(KitOnly.KEY, "true")
        .execute();
  }

  private static void assertSucceeded(EngineExecutionResults results, int count) {
    List<String> failures = new ArrayList<>();
    List<Event> finished = results.testEvents().finished().list();
    for (Event e : finished) {
      TestExecutionResult r = e.getRequiredPayload(TestExecutionResult.class);
      if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
        failures.add(e.getTestDescriptor().getDisplayName() + ": " + r.getThrowable());
      }
    }
    assertThat(failures).as("failed tests").isEmpty();
    assertThat(finished).as("tests run").hasSize(count);
  }

  private static String report(Throwable failure) {
    List<Throwable> reports =
        Arrays.stream(failure.getSuppressed()).filter(DaxMediaReport.class::isInstance).toList();
    assertThat(reports).as("media reports on " + failure).hasSize(1);
    return reports.get(0).getMessage();
  }
}
