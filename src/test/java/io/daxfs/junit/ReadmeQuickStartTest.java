package io.daxfs.junit;

import io.daxfs.FileRange;
import io.daxfs.MediaErrorModel;
import io.daxfs.Recovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start, as written there: if this breaks, so does the first thing users copy.
 */
@DaxTest(model = MediaErrorModel.DIRECT_BYPASS)
class ReadmeQuickStartTest {
  @BeforeEach
  void write(Path root) throws IOException {
    Files.write(root.resolve("data"), new byte[12288]);
  }

  @Test
  @InjectMediaError(file = "/data", offset = 4608, length = 512)
  void readFailsWithWhatARepairNeeds(Path root) {
    DaxAssertions.assertThatMediaErrorThrownBy(() -> Files.readAllBytes(root.resolve("data")))
        .hasBadRange(new FileRange(4608, 512))
        .hasRecovery(Recovery.Kind.REWRITE_DIRECT);
  }
}
