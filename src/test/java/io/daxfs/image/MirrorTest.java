package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.fs.MetadataChange;
import io.daxfs.fs.MetadataJournal;
import io.daxfs.fs.Volume;
import io.daxfs.fs.VolumeState;
import io.daxfs.nio.DaxFileSystem;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The image journal's mirror, which holds back the changes of the newest files, gives at every
 * checkpoint the state that applying every change at once gives.
 */
class MirrorTest {
  /** Hears a volume's changes and feeds them to a mirror and to a plain state alike. */
  private static final class Both implements MetadataJournal {
    final VolumeState plain;
    final Mirror mirror;

    Both(VolumeState start) {
      plain = start.copy();
      mirror = new Mirror(start.copy());
    }

    @Override
    public synchronized void record(MetadataChange change) {
      plain.apply(change);
      mirror.apply(change);
    }

    synchronized void assertSame(String story) {
      VolumeState m = mirror.state();
      assertThat(m.changes()).as(story).isEqualTo(plain.changes());
      assertThat(m.nextId()).as(story).isEqualTo(plain.nextId());
    }
  }

  private static Both install(FileSystem fs) {
    Volume volume = ((DaxFileSystem) fs).volume();
    Both both = new Both(volume.state());
    volume.setJournal(both);
    return both;
  }

  @Test
  void aMixedWorkloadCheckpointedAtRandomMomentsGivesThePlainState() throws Exception {
    for (long seed = 1; seed <= 4; seed++) {
      SplittableRandom random = new SplittableRandom(seed * 31);
      CrashWorkload model = new CrashWorkload(seed, 1 << 20, 0);
      try (FileSystem fs =
              DaxFileSystems.newFileSystem(
                  DaxConfiguration.builder().deviceSize(4L << 20).build());
          CrashWorkload.Held held = new CrashWorkload.Held()) {
        Both both = install(fs);
        for (int i = 0; i < 400; i++) {
          CrashWorkload.Op op = model.next();
          CrashWorkload.perform(op, fs.getPath("/"), held);
          model.apply(op);
          if (random.nextInt(8) == 0) {
            both.assertSame("seed " + seed + ", after op " + i + " (" + op + ")");
          }
        }
        both.assertSame("seed " + seed + ", at the end");
      }
    }
  }

  @Test
  void aNewFileThatGivesItsNameUpToAnOlderFileIsAppliedBeforeTheOlderTakesIt() throws Exception {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(4L << 20).build())) {
      Files.write(fs.getPath("/old"), new byte[] {1});
      Files.createDirectory(fs.getPath("/d"));
      Both both = install(fs);
      Path a = fs.getPath("/d/a");
      Files.write(a, new byte[] {2});
      Files.move(a, fs.getPath("/d/b")); // the new file gives "a" up
      Files.move(fs.getPath("/old"), a); // and the old one takes it
      Files.createLink(fs.getPath("/d/c"), fs.getPath("/d/b"));
      Files.delete(fs.getPath("/d/b")); // a name of two
      Files.write(fs.getPath("/d/e"), new byte[] {3});
      Files.move(a, fs.getPath("/d/e"), StandardCopyOption.REPLACE_EXISTING);
      Files.write(fs.getPath("/d/gone"), new byte[] {4});
      Files.delete(fs.getPath("/d/gone")); // never in the state at all
      both.assertSame("renames over new files' names");
    }
  }

  @Test
  void moreNewFilesThanSlotsAreAppliedOldestFirstAndStillGiveThePlainState() throws Exception {
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().deviceSize(4L << 20).build())) {
      Both both = install(fs);
      for (int i = 0; i < Mirror.SLOTS * 3; i++) {
        Files.write(fs.getPath("/f" + i), new byte[] {(byte) i});
        if (i % 3 == 0) {
          Files.delete(fs.getPath("/f" + i));
        }
      }
      Files.createSymbolicLink(fs.getPath("/s"), fs.getPath("/f1"));
      both.assertSame("more new files than slots");
    }
  }
}
