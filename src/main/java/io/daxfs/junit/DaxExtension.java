package io.daxfs.junit;

import io.daxfs.DaxConfiguration;
import io.daxfs.DaxFileSystems;
import io.daxfs.PmemDevice;
import io.daxfs.PowerFailModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store.CloseableResource;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.opentest4j.TestAbortedException;

/**
 * The JUnit Jupiter extension behind {@link DaxTest}: gives each test its own daxfs filesystem,
 * configured by the nearest {@code @DaxTest} (method, then its class, then enclosing classes; the
 * annotation's defaults if there is none), and closes it after the test, whatever the outcome.
 *
 * <p>Register it with {@code @DaxTest} (the usual way), {@code @ExtendWith(DaxExtension.class)}, or
 * {@code @RegisterExtension static DaxExtension dax = new DaxExtension();}. Registered more than
 * once for a test, only the first instance acts, so the test still gets one filesystem.
 *
 * <p>For each test it:
 *
 * <ul>
 *   <li>before the {@code @BeforeEach} methods, creates the filesystem, creates the {@linkplain
 *       DaxTest#workDirectory() work directory}, and sets the {@link DaxInject} fields of the test
 *       instance and its enclosing instances;
 *   <li>resolves parameters of exactly the types {@link FileSystem}, {@link Path} (the work
 *       directory; not one annotated {@link TempDir}, which JUnit's own extension resolves), {@link
 *       PmemDevice} and {@link PowerCut}, in test, {@code @BeforeEach} and {@code @AfterEach}
 *       methods; a test that takes a {@code PowerCut} gets a filesystem that tracks durability (see
 *       {@link DaxTest#powerFailModel()}). It does not resolve parameters of constructors or of
 *       {@code @BeforeAll}/{@code @AfterAll} methods, whose lifetime is not one test's;
 *   <li>after the {@code @BeforeEach} methods, applies the {@link InjectMediaError} annotations;
 *   <li>when the test method, or one of its {@code @BeforeEach} or {@code @AfterEach} methods,
 *       throws anything but an aborted assumption, adds a {@link DaxMediaReport} to the exception
 *       as a suppressed exception and publishes the same report as the report entry {@value
 *       #REPORT_KEY} (on the filesystem the last power cut restarted, and naming the cuts' seeds);
 *       the exception itself is rethrown unchanged;
 *   <li>closes the filesystem, and those power cuts restarted, (releasing the device's memory) when
 *       the test's {@link ExtensionContext} closes, through its {@link ExtensionContext.Store}.
 * </ul>
 *
 * <p>Thread-safe and stateless: all state lives in each test's store, so tests may run in parallel
 * and in {@code @Nested} classes.
 */
public final class DaxExtension
    implements BeforeEachCallback,
        BeforeTestExecutionCallback,
        ParameterResolver,
        TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {

  /** Key of the report entry a failed test publishes with its media report. */
  public static final String REPORT_KEY = "daxfs.media";

  private static final Namespace NAMESPACE = Namespace.create(DaxExtension.class);
  private static final String OWNER = "owner";
  private static final String RESOURCES = "resources";
  private static final String SEED = "seed";
  private static final Set<Class<?>> INJECTABLE =
      Set.of(FileSystem.class, Path.class, PmemDevice.class, PowerCut.class);

  /** Where the settings come from when no test or class carries {@code @DaxTest}. */
  @DaxTest
  private static final class Defaults {}

  /** Creates the extension; it holds no state, so one instance may serve any number of tests. */
  public DaxExtension() {}

  /**
   * Creates the test's filesystem and work directory and sets its {@link DaxInject} fields.
   *
   * @throws ExtensionConfigurationException if the {@code @DaxTest} settings are invalid or a
   *     {@code @DaxInject} field is static, final, of another type, or also {@code @TempDir}
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (!owns(context)) {
      return;
    }
    Resources resources = resources(context);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      injectFields(instance, resources);
    }
  }

  /**
   * Applies the test's {@link InjectMediaError} annotations, classes' first (outermost first), then
   * the method's, each in declaration order.
   *
   * @throws ExtensionConfigurationException if an annotation is invalid, as {@link
   *     InjectMediaError} describes
   */
  @Override
  public void beforeTestExecution(ExtensionContext context) {
    if (!owns(context)) {
      return;
    }
    Resources resources = resources(context);
    MediaErrorInjections.applyAll(
        testClassesOutermostFirst(context),
        context.getTestMethod(),
        resources.workDirectory(),
        resources.device());
  }

  /**
   * Whether this extension resolves the parameter: one of type {@link FileSystem}, {@link Path}
   * (unless annotated {@link TempDir}), {@link PmemDevice} or {@link PowerCut}, of a method run for
   * one test.
   */
  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    if (!INJECTABLE.contains(type) || extensionContext.getTestMethod().isEmpty()) {
      return false;
    }
    if (type == Path.class && parameterContext.isAnnotated(TempDir.class)) {
      return false;
    }
    return owns(extensionContext);
  }

  /**
   * The test's filesystem, work directory or device, by the parameter's type; the filesystem is
   * created if this is the first use in the test.
   *
   * @throws ExtensionConfigurationException if the {@code @DaxTest} settings are invalid
   */
  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    return resources(extensionContext).get(parameterContext.getParameter().getType());
  }

  /** Adds the media report to {@code throwable} and rethrows it unchanged. */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    attachReport(context, throwable);
    throw throwable;
  }

  /** Adds the media report to {@code throwable} and rethrows it unchanged. */
  @Override
  public void handleBeforeEachMethodExecutionException(
      ExtensionContext context, Throwable throwable) throws Throwable {
    attachReport(context, throwable);
    throw throwable;
  }

  /** Adds the media report to {@code throwable} and rethrows it unchanged. */
  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    attachReport(context, throwable);
    throw throwable;
  }

  /**
   * Whether this instance serves the test: the first instance to ask claims it, so that a test
   * which registers the extension twice (say {@code @DaxTest} on a class that also has a
   * {@code @RegisterExtension} field) gets one filesystem and no competing parameter resolvers.
   */
  private boolean owns(ExtensionContext context) {
    return context.getStore(NAMESPACE).getOrComputeIfAbsent(OWNER, k -> this, DaxExtension.class)
        == this;
  }

  private static Resources resources(ExtensionContext context) {
    // Settings are read outside the store's factory so that their errors reach the test as they
    // are, not wrapped, and are not cached as a failed value.
    Settings settings = settings(context);
    boolean tracking = cutsPower(context);
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    return store.getOrComputeIfAbsent(
        RESOURCES,
        k -> settings.open(tracking, () -> store.getOrDefault(SEED, Long.class, 0L)),
        Resources.class);
  }

  /** Tells the test's {@link PowerCut} the seed of its run of a {@link PowerFailTest}. */
  static void setSeed(ExtensionContext context, long seed) {
    context.getStore(NAMESPACE).put(SEED, seed);
  }

  /**
   * Whether the test cuts the power: it is a {@link PowerFailTest}, or takes a {@link PowerCut} as
   * a parameter of its method or of a {@code @BeforeEach} or {@code @AfterEach} method, or in a
   * {@link DaxInject} field.
   */
  private static boolean cutsPower(ExtensionContext context) {
    Optional<Method> method = context.getTestMethod();
    if (method.isPresent()
        && (AnnotationSupport.isAnnotated(method.get(), PowerFailTest.class)
            || takesPowerCut(method.get()))) {
      return true;
    }
    for (Class<?> c : testClassesOutermostFirst(context)) {
      if (!AnnotationSupport.findAnnotatedFields(
              c, DaxInject.class, f -> f.getType() == PowerCut.class)
          .isEmpty()) {
        return true;
      }
      for (Class<? extends java.lang.annotation.Annotation> a :
          List.of(BeforeEach.class, AfterEach.class)) {
        for (Method m :
            AnnotationSupport.findAnnotatedMethods(c, a, HierarchyTraversalMode.TOP_DOWN)) {
          if (takesPowerCut(m)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean takesPowerCut(Method m) {
    return Arrays.asList(m.getParameterTypes()).contains(PowerCut.class);
  }

  private static Settings settings(ExtensionContext context) {
    Optional<Method> method = context.getTestMethod();
    if (method.isPresent()) {
      Optional<DaxTest> onMethod = AnnotationSupport.findAnnotation(method.get(), DaxTest.class);
      if (onMethod.isPresent()) {
        return Settings.of(onMethod.get(), method.get().toString());
      }
    }
    List<Class<?>> classes = testClassesOutermostFirst(context);
    for (int i = classes.size() - 1; i >= 0; i--) {
      Optional<DaxTest> onClass = AnnotationSupport.findAnnotation(classes.get(i), DaxTest.class);
      if (onClass.isPresent()) {
        return Settings.of(onClass.get(), classes.get(i).getName());
      }
    }
    return Settings.of(Defaults.class.getAnnotation(DaxTest.class), "the @DaxTest defaults");
  }

  /** The test's class and the classes enclosing it (for {@code @Nested} tests), outermost first. */
  private static List<Class<?>> testClassesOutermostFirst(ExtensionContext context) {
    // Walking the contexts rather than Class.getEnclosingClass() follows the nesting JUnit ran,
    // which is also right for a @Nested class inherited from another test class.
    Set<Class<?>> innermostFirst = new LinkedHashSet<>();
    for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
      c.getTestClass().ifPresent(innermostFirst::add);
    }
    List<Class<?>> list = new ArrayList<>(innermostFirst);
    java.util.Collections.reverse(list);
    return list;
  }

  private static void injectFields(Object instance, Resources resources) {
    for (Field field :
        AnnotationSupport.findAnnotatedFields(instance.getClass(), DaxInject.class)) {
      String name =
          "@DaxInject field " + field.getDeclaringClass().getName() + "." + field.getName();
      int modifiers = field.getModifiers();
      if (Modifier.isStatic(modifiers)) {
        throw new ExtensionConfigurationException(
            name + " must not be static: each test has its own filesystem");
      }
      if (Modifier.isFinal(modifiers)) {
        throw new ExtensionConfigurationException(name + " must not be final");
      }
      if (!INJECTABLE.contains(field.getType())) {
        throw new ExtensionConfigurationException(
            name
                + " has type "
                + field.getType().getName()
                + "; it must be FileSystem, Path, PmemDevice or PowerCut");
      }
      if (AnnotationSupport.isAnnotated(field, TempDir.class)) {
        throw new ExtensionConfigurationException(name + " is also @TempDir; use one of the two");
      }
      try {
        field.setAccessible(true);
        field.set(instance, resources.get(field.getType()));
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new ExtensionConfigurationException(name + " cannot be set: " + e, e);
      }
    }
  }

  private void attachReport(ExtensionContext context, Throwable throwable) {
    // An aborted assumption is not a failure: no one needs the media state to read it.
    if (throwable instanceof TestAbortedException || !owns(context)) {
      return;
    }
    Resources resources = context.getStore(NAMESPACE).get(RESOURCES, Resources.class);
    if (resources == null) {
      return;
    }
    for (Throwable s : throwable.getSuppressed()) {
      if (s instanceof DaxMediaReport) {
        return;
      }
    }
    PowerCut power = resources.powerCut();
    DaxMediaReport report = DaxMediaReport.of(power.current(), resources.device(), power.report());
    throwable.addSuppressed(report);
    context.publishReportEntry(REPORT_KEY, report.report());
  }

  /** One {@code @DaxTest}, read and checked. */
  private record Settings(
      DaxConfiguration configuration, PowerFailModel powerFailModel, String workDirectory) {
    static Settings of(DaxTest a, String where) {
      String prefix = "@DaxTest on " + where + ": ";
      DaxConfiguration configuration;
      try {
        configuration =
            DaxConfiguration.builder()
                .deviceSize(DaxConfiguration.parseSize(a.deviceSize()))
                .blockSize(a.blockSize())
                .sectorSize(a.sectorSize())
                .mediaErrorModel(a.model())
                .build();
      } catch (IllegalArgumentException e) {
        throw new ExtensionConfigurationException(prefix + e.getMessage(), e);
      }
      if (!a.workDirectory().startsWith("/")) {
        throw new ExtensionConfigurationException(
            prefix + "workDirectory must be absolute, got \"" + a.workDirectory() + "\"");
      }
      return new Settings(configuration, a.powerFailModel(), a.workDirectory());
    }

    /** The test's filesystem, tracking durability if {@code tracking}, and what comes with it. */
    Resources open(boolean tracking, java.util.function.LongSupplier seed) {
      FileSystem fs;
      try {
        fs =
            DaxFileSystems.newFileSystem(
                tracking
                    ? configuration.toBuilder().powerFailModel(powerFailModel).build()
                    : configuration);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create the test's daxfs filesystem: " + e.getMessage(), e);
      }
      try {
        Path work = fs.getPath(workDirectory);
        Files.createDirectories(work);
        DaxFileSystems.sync(fs); // what the extension set up is there after any power cut
        return new Resources(
            fs, DaxFileSystems.device(fs), work, new PowerCut(fs, powerFailModel, seed));
      } catch (IOException | RuntimeException e) {
        // Not yet in the store, so nothing else would close it.
        try {
          fs.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        if (e instanceof IOException io) {
          throw new UncheckedIOException(
              "cannot create work directory " + workDirectory + ": " + e.getMessage(), io);
        }
        throw new ExtensionConfigurationException(
            "@DaxTest workDirectory \"" + workDirectory + "\": " + e.getMessage(), e);
      }
    }
  }

  /**
   * A test's filesystem and what is injected from it; closing it closes the filesystem. It is both
   * a {@link CloseableResource} (what JUnit 5 closes) and an {@link AutoCloseable} (what JUnit 5.13
   * prefers, and logs a warning for a value that is only the former); JUnit closes it once either
   * way.
   */
  @SuppressWarnings(
      "deprecation") // CloseableResource: deprecated since JUnit 5.13, still what 5.x closes
  record Resources(FileSystem fileSystem, PmemDevice device, Path workDirectory, PowerCut powerCut)
      implements AutoCloseable, CloseableResource {
    Object get(Class<?> type) {
      if (type == PowerCut.class) {
        return powerCut;
      }
      if (type == FileSystem.class) {
        return fileSystem;
      }
      if (type == PmemDevice.class) {
        return device;
      }
      if (type == Path.class) {
        return workDirectory;
      }
      throw new IllegalArgumentException("not a daxfs resource type: " + type);
    }

    @Override
    public void close() throws IOException {
      try {
        powerCut.close();
      } finally {
        fileSystem.close();
      }
    }
  }
}
