package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExtentMapTest {

  /** Collects (start, count) pairs reported to a {@link RunConsumer}. */
  private static final class Runs implements RunConsumer {
    final List<List<Long>> runs = new ArrayList<>();

    @Override
    public void accept(long start, long count) {
      runs.add(List.of(start, count));
    }
  }

  private static List<Long> run(long start, long count) {
    return List.of(start, count);
  }

  @Test
  void emptyMap() {
    ExtentMap m = ExtentMap.EMPTY;
    assertThat(m.extentCount()).isZero();
    assertThat(m.mappedBlocks()).isZero();
    assertThat(m.lastPhysicalEnd()).isEqualTo(-1);
    assertThat(m.find(0)).isEqualTo(-1);
    assertThat(m.physicalBlock(7)).isEqualTo(-1);
    assertThat(m).hasToString("[]");
  }

  @Test
  void isMappedSpansAdjacentExtentsButNoHole() {
    ExtentMap m =
        ExtentMap.EMPTY.with(0, 100, 4).with(4, 200, 2).with(8, 300, 2); // hole: blocks 6 and 7
    assertThat(m.isMapped(0, 6)).as("two extents, logically adjacent").isTrue();
    assertThat(m.isMapped(3, 5)).isTrue();
    assertThat(m.isMapped(5, 6)).isTrue();
    assertThat(m.isMapped(8, 10)).isTrue();
    assertThat(m.isMapped(0, 7)).as("ends in the hole").isFalse();
    assertThat(m.isMapped(6, 7)).as("inside the hole").isFalse();
    assertThat(m.isMapped(5, 9)).as("across the hole").isFalse();
    assertThat(m.isMapped(9, 11)).as("past the last extent").isFalse();
    assertThat(ExtentMap.EMPTY.isMapped(0, 1)).isFalse();
  }

  @Test
  void sequentialWritesMergeIntoOneExtent() {
    ExtentMap m = ExtentMap.EMPTY;
    for (int i = 0; i < 100; i++) {
      m = m.with(i, 500 + i, 1);
    }
    assertThat(m.extentCount()).isEqualTo(1);
    assertThat(m).hasToString("[0+100->500]");
    assertThat(m.mappedBlocks()).isEqualTo(100);
    assertThat(m.lastPhysicalEnd()).isEqualTo(600);
  }

  @Test
  void logicallyAdjacentButPhysicallyApartDoesNotMerge() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 4).with(4, 200, 4);
    assertThat(m).hasToString("[0+4->100, 4+4->200]");
    // Physically adjacent but logically apart does not merge either.
    ExtentMap n = ExtentMap.EMPTY.with(0, 100, 4).with(8, 104, 2);
    assertThat(n).hasToString("[0+4->100, 8+2->104]");
  }

  @Test
  void fillingGapBridgesTwoExtents() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 4).with(8, 108, 4);
    assertThat(m.extentCount()).isEqualTo(2);
    ExtentMap bridged = m.with(4, 104, 4);
    assertThat(bridged).hasToString("[0+12->100]");
    // Merging with only the following extent moves its start back.
    assertThat(m.with(6, 106, 2)).hasToString("[0+4->100, 6+6->106]");
    // The original is untouched.
    assertThat(m).hasToString("[0+4->100, 8+4->108]");
  }

  @Test
  void insertInFrontAndMiddleKeepsOrder() {
    ExtentMap m = ExtentMap.EMPTY.with(50, 1, 5).with(10, 900, 5).with(30, 40, 2);
    assertThat(m).hasToString("[10+5->900, 30+2->40, 50+5->1]");
    assertThat(m.lastPhysicalEnd()).isEqualTo(6);
    assertThat(m.mappedBlocks()).isEqualTo(12);
  }

  @Test
  void withRejectsOverlapAndBadArguments() {
    ExtentMap m = ExtentMap.EMPTY.with(10, 100, 10);
    assertThatThrownBy(() -> m.with(15, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(5, 0, 6)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(19, 0, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(0, 0, 100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(-1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(0, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.with(Long.MAX_VALUE - 1, 0, 5))
        .isInstanceOf(IllegalArgumentException.class);
    // Touching on either side is fine.
    assertThat(m.with(5, 0, 5).with(20, 0, 1).extentCount()).isEqualTo(3);
  }

  @Test
  void findAndPhysicalBlockAtEdgesAndHoles() {
    ExtentMap one = ExtentMap.EMPTY.with(4, 100, 4);
    assertThat(one.find(3)).isEqualTo(-1);
    assertThat(one.find(4)).isZero();
    assertThat(one.find(7)).isZero();
    assertThat(one.find(8)).isEqualTo(-2);
    assertThat(one.physicalBlock(3)).isEqualTo(-1);
    assertThat(one.physicalBlock(4)).isEqualTo(100);
    assertThat(one.physicalBlock(7)).isEqualTo(103);
    assertThat(one.physicalBlock(8)).isEqualTo(-1);

    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 4).with(8, 300, 2).with(20, 50, 5);
    assertThat(m).hasToString("[0+4->100, 8+2->300, 20+5->50]");
    assertThat(m.find(0)).isZero();
    assertThat(m.find(3)).isZero();
    assertThat(m.find(4)).isEqualTo(-2); // hole before index 1
    assertThat(m.find(7)).isEqualTo(-2);
    assertThat(m.find(8)).isEqualTo(1);
    assertThat(m.find(9)).isEqualTo(1);
    assertThat(m.find(10)).isEqualTo(-3);
    assertThat(m.find(24)).isEqualTo(2);
    assertThat(m.find(25)).isEqualTo(-4);
    assertThat(m.find(Long.MAX_VALUE)).isEqualTo(-4);
    assertThat(m.physicalBlock(9)).isEqualTo(301);
    assertThat(m.physicalBlock(22)).isEqualTo(52);
    assertThat(m.physicalBlock(19)).isEqualTo(-1);
    assertThatThrownBy(() -> m.find(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truncateInsideExtentReportsExactlyTheTail() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 10).with(20, 500, 5);
    Runs freed = new Runs();
    ExtentMap t = m.truncate(6, freed);
    assertThat(t).hasToString("[0+6->100]");
    assertThat(freed.runs).containsExactly(run(106, 4), run(500, 5));
    assertThat(t.lastPhysicalEnd()).isEqualTo(106);
    assertThat(t.mappedBlocks()).isEqualTo(6);
  }

  @Test
  void truncateAtBoundariesAndBeyond() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 10).with(20, 500, 5);
    Runs freed = new Runs();
    assertThat(m.truncate(25, freed)).isSameAs(m);
    assertThat(m.truncate(12, freed)).hasToString("[0+10->100]");
    assertThat(freed.runs).containsExactly(run(500, 5));

    Runs all = new Runs();
    assertThat(m.truncate(0, all)).isSameAs(ExtentMap.EMPTY);
    assertThat(all.runs).containsExactly(run(100, 10), run(500, 5));

    Runs atStart = new Runs();
    assertThat(m.truncate(20, atStart)).hasToString("[0+10->100]");
    assertThat(atStart.runs).containsExactly(run(500, 5));
  }

  @Test
  void punchSplitsAnExtentInTwo() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 10);
    Runs freed = new Runs();
    ExtentMap p = m.remove(3, 4, freed);
    assertThat(p).hasToString("[0+3->100, 7+3->107]");
    assertThat(freed.runs).containsExactly(run(103, 4));
    assertThat(p.physicalBlock(2)).isEqualTo(102);
    assertThat(p.physicalBlock(3)).isEqualTo(-1);
    assertThat(p.physicalBlock(6)).isEqualTo(-1);
    assertThat(p.physicalBlock(7)).isEqualTo(107);
    assertThat(p.mappedBlocks()).isEqualTo(6);
    // Re-filling the punched hole with the same physical blocks restores the single extent.
    assertThat(p.with(3, 103, 4)).isEqualTo(m);
  }

  @Test
  void punchAcrossSeveralExtentsAndHoles() {
    ExtentMap m = ExtentMap.EMPTY.with(0, 100, 4).with(8, 300, 4).with(16, 700, 4);
    Runs freed = new Runs();
    ExtentMap p = m.remove(2, 16, freed);
    assertThat(p).hasToString("[0+2->100, 18+2->702]");
    assertThat(freed.runs).containsExactly(run(102, 2), run(300, 4), run(700, 2));

    Runs none = new Runs();
    assertThat(m.remove(4, 4, none)).isSameAs(m);
    assertThat(m.remove(1, 0, none)).isSameAs(m);
    assertThat(none.runs).isEmpty();
    assertThatThrownBy(() -> m.remove(0, -1, none)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void forEachHoleReportsGapsInOrder() {
    ExtentMap m = ExtentMap.EMPTY.with(4, 100, 4).with(12, 300, 2);
    Runs holes = new Runs();
    m.forEachHole(0, 20, holes);
    assertThat(holes.runs).containsExactly(run(0, 4), run(8, 4), run(14, 6));

    Runs inside = new Runs();
    m.forEachHole(5, 2, inside);
    assertThat(inside.runs).isEmpty();

    Runs partial = new Runs();
    m.forEachHole(6, 7, partial);
    assertThat(partial.runs).containsExactly(run(8, 4));

    Runs empty = new Runs();
    ExtentMap.EMPTY.forEachHole(3, 5, empty);
    assertThat(empty.runs).containsExactly(run(3, 5));

    Runs zero = new Runs();
    m.forEachHole(0, 0, zero);
    assertThat(zero.runs).isEmpty();
  }

  /**
   * The runs of {@code [from, to)} as a walk meets them, as {start, end, device or -1 for a hole}.
   */
  private static List<List<Long>> walk(ExtentMap m, long from, long to, int shift) {
    List<List<Long>> runs = new ArrayList<>();
    int run = m.find(from >>> shift);
    for (long at = from; at < to; run = m.nextRun(run)) {
      long stop = Math.min(to, m.runEnd(run, shift));
      assertThat(stop).as("run %s at %s of %s", run, at, m).isGreaterThan(at);
      runs.add(List.of(at, stop, ExtentMap.isExtent(run) ? m.device(run, at, shift) : -1L));
      at = stop;
    }
    return runs;
  }

  @Test
  void walkGoesRunByRunCutToTheRange() {
    ExtentMap m =
        ExtentMap.EMPTY.with(0, 100, 4).with(4, 200, 2).with(8, 300, 2); // hole: blocks 6 and 7
    assertThat(walk(m, 2, 12, 0))
        .containsExactly(
            List.of(2L, 4L, 102L),
            List.of(4L, 6L, 200L), // logically adjacent, physically apart: a run of its own
            List.of(6L, 8L, -1L),
            List.of(8L, 10L, 300L),
            List.of(10L, 12L, -1L)); // past the last extent
    assertThat(walk(m, 5, 6, 0)).containsExactly(List.of(5L, 6L, 201L));
    assertThat(walk(m, 6, 7, 0)).containsExactly(List.of(6L, 7L, -1L));
    assertThat(walk(m, 3, 3, 0)).as("empty range").isEmpty();
    assertThat(walk(ExtentMap.EMPTY, 0, 10, 0)).containsExactly(List.of(0L, 10L, -1L));
  }

  @Test
  void walkInBytesCutsRunsAtExtentEdgesAndKeepsTheOffsetInTheBlock() {
    ExtentMap m = ExtentMap.EMPTY.with(1, 50, 2).with(5, 90, 1);
    int shift = 12;
    assertThat(walk(m, 100, 3 * 4096 + 10, shift))
        .containsExactly(
            List.of(100L, 4096L, -1L),
            List.of(4096L, 3 * 4096L, 50 * 4096L),
            List.of(3 * 4096L, 3 * 4096L + 10, -1L));
    assertThat(walk(m, 4096 + 7, 4096 + 20, shift))
        .containsExactly(List.of(4096 + 7L, 4096 + 20L, 50 * 4096 + 7L));
    assertThat(walk(m, 2 * 4096 + 4000, 5 * 4096 + 1, shift))
        .containsExactly(
            List.of(2 * 4096 + 4000L, 3 * 4096L, 51 * 4096 + 4000L),
            List.of(3 * 4096L, 5 * 4096L, -1L),
            List.of(5 * 4096L, 5 * 4096 + 1L, 90 * 4096L));
  }

  @Test
  void theHoleAfterTheLastExtentNeverEnds() {
    ExtentMap m = ExtentMap.EMPTY.with(2, 40, 3);
    int last = m.find(9);
    assertThat(ExtentMap.isExtent(last)).isFalse();
    assertThat(m.runEnd(last, 12)).isEqualTo(Long.MAX_VALUE);
    assertThat(m.nextRun(last)).isEqualTo(last);
    assertThat(m.runEnd(m.find(0), 12)).as("the hole before the extent").isEqualTo(2 * 4096);
    assertThat(m.nextRun(m.find(0))).isEqualTo(m.find(2));
    assertThat(m.nextRun(m.find(3))).isEqualTo(last);
  }

  @Test
  void randomizedAgainstArrayModel() {
    final int size = 256;
    Random rnd = new Random(0xE47E47L);
    long[] model = new long[size];
    Arrays.fill(model, -1);
    ExtentMap m = ExtentMap.EMPTY;
    long nextPhysical = 1000;
    for (int op = 0; op < 5_000; op++) {
      int kind = rnd.nextInt(10);
      if (kind < 6) {
        int start = rnd.nextInt(size);
        int len = 1 + rnd.nextInt(Math.min(16, size - start));
        boolean free = true;
        for (int b = start; b < start + len; b++) {
          free &= model[b] < 0;
        }
        // Sometimes continue the physical run of the block before, so merges happen.
        long physical =
            start > 0 && model[start - 1] >= 0 && rnd.nextBoolean()
                ? model[start - 1] + 1
                : (nextPhysical += 50);
        if (free) {
          m = m.with(start, physical, len);
          for (int b = 0; b < len; b++) {
            model[start + b] = physical + b;
          }
        } else {
          ExtentMap before = m;
          assertThatThrownBy(() -> before.with(start, physical, len))
              .isInstanceOf(IllegalArgumentException.class);
        }
      } else {
        long[] expectFreed = model.clone();
        Runs freed = new Runs();
        int from;
        int to;
        if (kind < 8) {
          from = rnd.nextInt(size);
          to = Math.min(size, from + rnd.nextInt(40));
          m = m.remove(from, to - from, freed);
        } else {
          from = size - rnd.nextInt(size / 4);
          to = size;
          m = m.truncate(from, freed);
        }
        long freedTotal = 0;
        for (List<Long> r : freed.runs) {
          freedTotal += r.get(1);
        }
        long expectTotal = 0;
        for (int b = from; b < to; b++) {
          if (model[b] >= 0) {
            expectTotal++;
          }
          model[b] = -1;
        }
        assertThat(freedTotal).isEqualTo(expectTotal);
        // Every freed physical block was mapped in the removed range.
        for (List<Long> r : freed.runs) {
          for (long p = r.get(0); p < r.get(0) + r.get(1); p++) {
            assertThat(indexOf(expectFreed, p, from, to))
                .as("physical %d", p)
                .isGreaterThanOrEqualTo(0);
          }
        }
      }
      checkAgainstModel(m, model, rnd);
    }
  }

  private static int indexOf(long[] a, long value, int from, int to) {
    for (int i = from; i < to; i++) {
      if (a[i] == value) {
        return i;
      }
    }
    return -1;
  }

  private static void checkAgainstModel(ExtentMap m, long[] model, Random rnd) {
    long mapped = 0;
    int expectedExtents = 0;
    for (int b = 0; b < model.length; b++) {
      assertThat(m.physicalBlock(b)).as("logical %d in %s", b, m).isEqualTo(model[b]);
      assertThat(m.find(b) >= 0).isEqualTo(model[b] >= 0);
      if (model[b] >= 0) {
        mapped++;
        // A new extent starts wherever the run is not a continuation of the previous block.
        if (b == 0 || model[b - 1] < 0 || model[b - 1] + 1 != model[b]) {
          expectedExtents++;
        }
      }
    }
    assertThat(m.mappedBlocks()).isEqualTo(mapped);
    assertThat(m.extentCount()).as("canonical merge of %s", m).isEqualTo(expectedExtents);
    assertThat(m.physicalBlock(model.length + 5L)).isEqualTo(-1);

    int last = model.length - 1;
    while (last >= 0 && model[last] < 0) {
      last--;
    }
    assertThat(m.lastPhysicalEnd()).isEqualTo(last < 0 ? -1 : model[last] + 1);

    int start = rnd.nextInt(model.length);
    int len = rnd.nextInt(model.length - start + 1);
    Runs holes = new Runs();
    m.forEachHole(start, len, holes);
    List<List<Long>> expected = new ArrayList<>();
    int b = start;
    while (b < start + len) {
      if (model[b] < 0) {
        int h = b;
        while (b < start + len && model[b] < 0) {
          b++;
        }
        expected.add(run(h, b - h));
      } else {
        b++;
      }
    }
    assertThat(holes.runs).isEqualTo(expected);

    // A walk's runs are the model's maximal runs: a hole, or blocks contiguous on the device.
    List<List<Long>> runs = new ArrayList<>();
    for (int r = start; r < start + len; ) {
      int e = r + 1;
      while (e < start + len
          && (model[r] < 0 ? model[e] < 0 : model[e] >= 0 && model[e] == model[e - 1] + 1)) {
        e++;
      }
      runs.add(List.of((long) r, (long) e, model[r]));
      r = e;
    }
    assertThat(walk(m, start, start + len, 0))
        .as("walk [%d, %d) of %s", start, start + len, m)
        .isEqualTo(runs);
  }
}
