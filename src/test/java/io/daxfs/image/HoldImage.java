package io.daxfs.image;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM's program: mounts the image in {@code args[0]}, writes {@code /held} and says
 * "mounted", then holds the image until its standard input ends (or it is killed).
 */
public final class HoldImage {
  private HoldImage() {}

  public static void main(String[] args) throws Exception {
    Path img = Path.of(args[0]);
    try (FileSystem fs =
        DaxFileSystems.newFileSystem(DaxConfiguration.builder().image(img).build())) {
      Files.writeString(fs.getPath("/held"), "written by process " + ProcessHandle.current().pid());
      System.out.println("mounted");
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
  }
}
