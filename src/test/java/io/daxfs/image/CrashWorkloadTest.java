package io.daxfs.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The crash tests' model is right: run without a crash, on an in-memory filesystem, the workload
 * leaves exactly the tree its model describes after every operation, and the same seed draws the
 * same operations in any process.
 */
class CrashWorkloadTest {
  @Test
  void theModelDescribesTheTreeAfterEveryOperation() throws Exception {
    for (long seed = 1; seed <= 6; seed++) {
      CrashWorkload model = new CrashWorkload(seed);
      try (FileSystem fs =
              DaxFileSystems.newFileSystem(
                  DaxConfiguration.builder().deviceSize(64L << 20).build());
          CrashWorkload.Held held = new CrashWorkload.Held()) {
        Path root = fs.getPath("/");
        for (int i = 0; i < 300; i++) {
          CrashWorkload.Op op = model.next();
          CrashWorkload.perform(op, root, held);
          model.apply(op);
          List<String> differences =
              model.snapshot().differences(TreeState.read(root), Set.of(), null);
          model.forgetAccessTimes(); // the read may have set them
          assertThat(differences).as("seed %d, after %s", seed, op).isEmpty();
        }
        held.release();
        // Blocks of a deleted file under a mapping not yet collected are still held; after a
        // restart (the crash tests) nothing holds them.
        FileStore store = fs.getFileStores().iterator().next();
        assertThat(store.getUnallocatedSpace())
            .as("seed %d: free space", seed)
            .isLessThanOrEqualTo(store.getTotalSpace() - TreeState.allocatedBytes(root));
      }
    }
  }

  @Test
  void aReplayedModelDrawsTheSameOperations() {
    CrashWorkload a = new CrashWorkload(42);
    a.advanceTo(150);
    CrashWorkload b = new CrashWorkload(42);
    b.advanceTo(100);
    CrashWorkload c = b.copy();
    c.advanceTo(150);
    assertThat(c.next()).hasToString(a.next().toString());
    assertThat(b.applied()).isEqualTo(100);
  }
}
