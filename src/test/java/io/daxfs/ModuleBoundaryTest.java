package io.daxfs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.internal.InternalFutureFailureAccess;
import io.daxfs.device.EmulatedPmem;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public API boundary as a user meets it: small consumer programs are compiled against the
 * built daxfs and run in a child JVM of the running JDK, one on the module path (where only {@code
 * io.daxfs} and {@code io.daxfs.junit} are exported) and one on the class path (where every public
 * class is reachable, so the device handed out must not be castable to the raw device).
 */
class ModuleBoundaryTest {
  @TempDir Path work;

  @Test
  void theModuleExportsOnlyTheApiAndProvidesTheDaxScheme() throws Exception {
    ModuleDescriptor d = daxfsModule().descriptor();

    assertThat(d.name()).isEqualTo("io.daxfs");
    assertThat(d.isOpen()).isFalse();
    assertThat(d.exports()).allSatisfy(e -> assertThat(e.isQualified()).isFalse());
    assertThat(d.exports().stream().map(ModuleDescriptor.Exports::source))
        .containsExactlyInAnyOrder("io.daxfs", "io.daxfs.junit");
    assertThat(d.opens()).isEmpty();
    assertThat(d.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo("java.nio.file.spi.FileSystemProvider");
              assertThat(p.providers()).containsExactly("io.daxfs.nio.DaxFileSystemProvider");
            });
    assertThat(d.packages()).contains("io.daxfs.nio", "io.daxfs.fs", "io.daxfs.device");
    // daxfs runs without JUnit and AssertJ: a modular user of io.daxfs alone must not need them
    assertThat(d.requires())
        .filteredOn(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .extracting(ModuleDescriptor.Requires::name)
        .containsExactlyInAnyOrder("java.base", "com.google.common", "jdk.unsupported");
  }

  @Test
  void theDeviceHandedOutOffersOnlyPmemDevice() throws IOException {
    try (FileSystem fs = DaxFileSystems.newFileSystem()) {
      PmemDevice device = DaxFileSystems.device(fs);

      assertThat(device).isNotInstanceOf(EmulatedPmem.class).isSameAs(DaxFileSystems.device(fs));
      assertThat(Modifier.isPublic(device.getClass().getModifiers())).isFalse();
      Set<String> offered =
          Arrays.stream(device.getClass().getMethods())
              .filter(m -> m.getDeclaringClass() != Object.class)
              .map(Method::getName)
              .collect(Collectors.toSet());
      Set<String> contract =
          Arrays.stream(PmemDevice.class.getMethods())
              .map(Method::getName)
              .collect(Collectors.toSet());
      contract.add("toString");
      assertThat(offered).isEqualTo(contract);
    }
  }

  @Test
  void aModularConsumerFindsTheProviderAndUsesTheApi() throws Exception {
    Path src = work.resolve("src");
    write(src.resolve("module-info.java"), "module consumer { requires io.daxfs; }");
    write(
        src.resolve("consumer/Main.java"),
        """
        package consumer;

        import io.daxfs.DaxFileSystems;
        import io.daxfs.PmemDevice;
        import java.net.URI;
        import java.nio.file.FileSystem;
        import java.nio.file.FileSystems;
        import java.nio.file.Files;
        import java.nio.file.Path;
        import java.util.Map;

        public final class Main {
          public static void main(String[] args) throws Exception {
            try (FileSystem fs = FileSystems.newFileSystem(URI.create("dax://modular"), Map.of("deviceSize", "16m"))) {
              Files.writeString(fs.getPath("/greeting"), "hello from a module");
              System.out.println("read: " + Files.readString(Path.of(URI.create("dax://modular/greeting"))));
              System.out.println("provider in: " + fs.provider().getClass().getModule().getName());
              PmemDevice device = DaxFileSystems.device(fs);
              device.injectError(8, 2);
              System.out.println("badblocks: " + device.badblocksText().strip());
              Class<?> internal = Class.forName("io.daxfs.nio.DaxFileSystemProvider");
              try {
                internal.getMethod("instance").invoke(null);
                System.out.println("internal provider: reached");
              } catch (IllegalAccessException e) {
                System.out.println("internal provider: " + e.getClass().getName());
              }
            }
          }
        }
        """);
    Path classes = work.resolve("classes");

    compile(List.of("--module-path", modulePath()), src, classes).assertSucceeded();
    String out =
        run(
            "--module-path",
            modulePath() + File.pathSeparator + classes,
            "-m",
            "consumer/consumer.Main");

    assertThat(out)
        .contains(
            "read: hello from a module",
            "provider in: io.daxfs",
            "badblocks: 8 2",
            "internal provider: java.lang.IllegalAccessException");
  }

  @Test
  void aModularConsumerCannotCompileAgainstTheInternals() throws Exception {
    Path src = work.resolve("src");
    write(src.resolve("module-info.java"), "module intruder { requires io.daxfs; }");
    write(
        src.resolve("intruder/Main.java"),
        """
        package intruder;

        import io.daxfs.DaxFileSystems;
        import io.daxfs.device.EmulatedPmem;
        import io.daxfs.nio.DaxFileSystem;

        public final class Main {
          public static void main(String[] args) throws Exception {
            DaxFileSystem fs = (DaxFileSystem) DaxFileSystems.newFileSystem();
            EmulatedPmem raw = fs.volume().device();
            System.out.println(raw);
          }
        }
        """);

    Compilation c = compile(List.of("--module-path", modulePath()), src, work.resolve("classes"));

    assertThat(c.succeeded).isFalse();
    assertThat(c.errors)
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains(
                        "package io.daxfs.nio is declared in module io.daxfs, which does not export it"));
    assertThat(c.errors)
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains(
                        "package io.daxfs.device is declared in module io.daxfs, which does not export it"));
  }

  @Test
  void aClassPathConsumerFindsTheProviderAndCannotCastTheDeviceToItsInternals() throws Exception {
    Path src = work.resolve("src");
    // On the class path the implementation classes are reachable: the device handed out is the
    // only thing standing between a user and raw device memory.
    write(
        src.resolve("plain/Main.java"),
        """
        package plain;

        import io.daxfs.DaxFileSystems;
        import io.daxfs.PmemDevice;
        import java.net.URI;
        import java.nio.file.FileSystem;
        import java.nio.file.FileSystems;
        import java.nio.file.Files;
        import java.util.Map;

        public final class Main {
          public static void main(String[] args) throws Exception {
            try (FileSystem fs = FileSystems.newFileSystem(URI.create("dax://plain"), Map.of())) {
              Files.write(fs.getPath("/data"), new byte[] {1, 2, 3});
              System.out.println("size: " + Files.size(fs.getPath("/data")));
              System.out.println("provider named module: " + fs.provider().getClass().getModule().isNamed());
              PmemDevice device = DaxFileSystems.device(fs);
              Object handedOut = device; // javac already refuses the cast from PmemDevice
              System.out.println("raw device: " + (handedOut instanceof io.daxfs.device.EmulatedPmem));
              System.out.println("raw methods: " + java.util.Arrays.stream(device.getClass().getMethods())
                  .map(java.lang.reflect.Method::getName)
                  .filter(n -> n.equals("read") || n.equals("write") || n.equals("copy") || n.startsWith("map"))
                  .toList());
              System.out.println("device: " + device);
            }
            for (String optional : new String[] {"picocli.CommandLine", "com.fasterxml.jackson.databind.ObjectMapper"}) {
              try {
                Class.forName(optional);
                System.out.println(optional + ": on the class path");
              } catch (ClassNotFoundException e) {
                System.out.println(optional + ": absent");
              }
            }
          }
        }
        """);
    Path classes = work.resolve("classes");

    compile(List.of("--class-path", modulePath()), src, classes).assertSucceeded();
    String out = run("--class-path", modulePath() + File.pathSeparator + classes, "plain.Main");

    assertThat(out)
        .contains(
            "size: 3",
            "provider named module: false",
            "raw device: false",
            "raw methods: []",
            "device: PmemDevice[",
            // the command line's libraries are optional: the library runs without them
            "picocli.CommandLine: absent",
            "com.fasterxml.jackson.databind.ObjectMapper: absent");
  }

  // ---- helpers
  // -------------------------------------------------------------------------------------

  private static ModuleReference daxfsModule() throws URISyntaxException {
    return ModuleFinder.of(location(DaxFileSystems.class)).find("io.daxfs").orElseThrow();
  }

  /** daxfs as built (its class directory under surefire, its jar under failsafe) and Guava. */
  private static String modulePath() throws URISyntaxException {
    return String.join(
        File.pathSeparator,
        location(DaxFileSystems.class).toString(),
        location(ImmutableList.class).toString(),
        location(InternalFutureFailureAccess.class).toString());
  }

  private static Path location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private record Compilation(boolean succeeded, List<String> errors) {
    void assertSucceeded() {
      assertThat(errors).isEmpty();
      assertThat(succeeded).isTrue();
    }
  }

  /** Compiles every source under {@code src} for Java 17, the oldest release daxfs supports. */
  private static Compilation compile(List<String> options, Path src, Path classes)
      throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<File> sources;
    try (var walk = Files.walk(src)) {
      sources = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toFile).toList();
    }
    List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
    args.addAll(options);
    if (!options.contains(
        "--class-path")) { // in process, javac would take this JVM's, daxfs included
      args.addAll(List.of("--class-path", classes.toString()));
    }
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, UTF_8)) {
      boolean ok =
          javac
              .getTask(
                  new StringWriter(),
                  files,
                  diagnostics,
                  args,
                  null,
                  files.getJavaFileObjectsFromFiles(sources))
              .call();
      List<String> errors =
          diagnostics.getDiagnostics().stream()
              .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
              .map(d -> d.getMessage(null))
              .toList();
      return new Compilation(ok, errors);
    }
  }

  /** Runs a child JVM of the running JDK and returns its output, failing unless it exits with 0. */
  private String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(args));
    Path log = work.resolve("child.log");
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!child.waitFor(2, TimeUnit.MINUTES)) {
      child.destroyForcibly().waitFor();
      throw new AssertionError("the consumer did not finish: " + Files.readString(log));
    }
    String out = Files.readString(log);
    assertThat(child.exitValue())
        .as("exit status of %s, which printed:%n%s", command, out)
        .isZero();
    return out;
  }
}
