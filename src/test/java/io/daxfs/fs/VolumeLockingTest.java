package io.daxfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The volume's tree lock: a namespace operation that finds it taken waits a little before it
 * queues, and a lookup that comes while a change waits in the queue does not overtake it, so a
 * steady stream of lookups cannot starve creates and deletes.
 */
class VolumeLockingTest {
  private Volume volume;

  @BeforeEach
  void setUp() throws Exception {
    volume = Volume.create(DaxConfiguration.builder().deviceSize(16L << 20).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    volume.close();
  }

  /** Waits until {@code t} parks, or ends (then the caller's assertions say what it did). */
  private static void awaitParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TERMINATED) {
      assertThat(System.nanoTime()).as("%s never parked", t.getName()).isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  @Test
  void aLookupThatComesWhileACreateWaitsSeesTheCreate() throws Exception {
    Lock held = volume.readLock(); // a compound read under way, as a copy holds it
    held.lock();
    CompletableFuture<Directory> created = new CompletableFuture<>();
    Thread creator =
        new Thread(
            () -> {
              try {
                created.complete(volume.createDirectory(volume.root(), new OneName("d"), 0755));
              } catch (Throwable e) {
                created.completeExceptionally(e);
              }
            },
            "creator");
    CompletableFuture<Inode> found = new CompletableFuture<>();
    Thread lookup =
        new Thread(
            () -> {
              try {
                found.complete(volume.resolve(volume.root(), new OneName("d"), true));
              } catch (Throwable e) {
                found.completeExceptionally(e);
              }
            },
            "lookup");
    try {
      creator.start();
      awaitParked(creator);
      lookup.start();
      awaitParked(lookup);
      assertThat(found).as("a lookup overtook the create waiting before it").isNotDone();
    } finally {
      held.unlock();
    }
    Directory d = created.get(10, TimeUnit.SECONDS);
    try {
      assertThat(found.get(10, TimeUnit.SECONDS)).isSameAs(d);
    } catch (ExecutionException e) {
      throw new AssertionError("the lookup ran before the create it came after", e.getCause());
    }
    creator.join();
    lookup.join();
  }

  @Test
  void aCreateWaitsForAReaderAndThenGoesAhead() throws Exception {
    Lock held = volume.readLock();
    held.lock();
    CompletableFuture<Directory> created =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return volume.createDirectory(volume.root(), new OneName("d"), 0755);
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    try {
      Thread.sleep(100);
      assertThat(created).as("a create went ahead under a reader").isNotDone();
    } finally {
      held.unlock();
    }
    assertThat(created.get(10, TimeUnit.SECONDS).isEmpty()).isTrue();
  }
}
