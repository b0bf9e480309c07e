package io.daxfs.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the whole suite and writes the summary: every benchmark once with one thread and once with
 * two (JMH's thread count is one per run, so the suite is two runs), but {@link ImageMount} with
 * one only and {@link PositionalIoThreads} with two only, their results into one JSON file ({@code
 * -rf json} form), the memory footprint in a JVM of its own, then {@link Summary}.
 *
 * <p>System properties: {@code bench.quick} (one short iteration of everything in this JVM, 16 MiB
 * files: a smoke test), {@code bench.out} (directory for the results, default {@code
 * target/bench}), {@code bench.summary} (where a full run writes its summary, default {@code
 * BENCHMARKS.md}). Arguments are JMH options ({@code -prof gc}, include patterns, {@code -p
 * size=64}, ...), also given as one string; they override the suite's settings, and a run with any
 * of them writes its summary under {@code bench.out}, never over BENCHMARKS.md.
 */
public final class RunBenchmarks {
  /** The documented command, for the summary when the Maven command line is not known. */
  static final String COMMAND = "mvn -B -Pbench test-compile exec:exec@bench";

  private RunBenchmarks() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Boolean.getBoolean("bench.quick");
    Path out = Path.of(System.getProperty("bench.out", "target/bench"));
    Path summary = Path.of(System.getProperty("bench.summary", "BENCHMARKS.md"));
    String[] jmhArgs =
        Arrays.stream(String.join(" ", args).trim().split("\\s+"))
            .filter(s -> !s.isEmpty())
            .toArray(String[]::new);
    boolean full = !quick && jmhArgs.length == 0;
    if (!full) {
      summary = out.resolve(quick ? "summary-quick.md" : "summary.md");
    }
    Files.createDirectories(out);

    CommandLineOptions cli;
    try {
      cli = new CommandLineOptions(jmhArgs);
    } catch (CommandLineOptionException e) {
      System.err.println("bad JMH options " + Arrays.toString(jmhArgs) + ": " + e.getMessage());
      System.exit(2);
      return;
    }

    Properties run = new Properties();
    Instant start = Instant.now();
    run.setProperty("command", command());
    run.setProperty("started", timestamp(start));
    run.setProperty("load.start", Summary.Machine.loadAverage());
    run.setProperty("git", git());

    LoadSampler load = new LoadSampler();
    load.start();

    List<RunResult> results = new ArrayList<>();
    List<Integer> threadCounts =
        cli.getThreads().hasValue() ? List.of(cli.getThreads().get()) : List.of(1, 2);
    for (int threads : threadCounts) {
      ChainedOptionsBuilder b =
          new OptionsBuilder().parent(cli).threads(threads).shouldFailOnError(true);
      if (cli.getProfilers().isEmpty()) {
        // Allocation per operation for every contender; it reads counters between iterations only.
        b.addProfiler(GCProfiler.class);
      }
      // The suite's settings, where the command line does not give its own.
      if (!cli.getForkCount().hasValue()) {
        // Quick: no forks at all; a smoke test checks that everything runs, not how fast.
        b.forks(quick ? 0 : 1);
      }
      if (!cli.getWarmupIterations().hasValue()) {
        b.warmupIterations(quick ? 0 : 2);
      }
      if (!cli.getWarmupTime().hasValue()) {
        b.warmupTime(TimeValue.seconds(1));
      }
      if (!cli.getMeasurementIterations().hasValue()) {
        b.measurementIterations(quick ? 1 : 3);
      }
      if (!cli.getMeasurementTime().hasValue()) {
        b.measurementTime(quick ? TimeValue.milliseconds(100) : TimeValue.seconds(1));
      }
      if (quick && !cli.getParameter("fileMiB").hasValue()) {
        b.param("fileMiB", "16");
      }
      if (quick && !cli.getParameter("files").hasValue()) {
        b.param("files", "2000");
      }
      if (threads > 1) {
        // An image has one writer: mounting it is a one-thread operation.
        b.exclude(ImageMount.class.getSimpleName());
      }
      if (threads != 2) {
        // One thread against two needs two, no more.
        b.exclude(PositionalIoThreads.class.getSimpleName());
      }
      if (quick && !cli.verbosity().hasValue()) {
        b.verbosity(VerboseMode.SILENT);
      }
      System.out.printf("== JMH, %d thread(s)%n", threads);
      Collection<RunResult> r;
      try {
        r = new Runner(b.build()).run();
      } catch (NoBenchmarksException e) {
        continue; // nothing asked for runs with this thread count; none at all is told below
      } catch (RunnerException e) {
        System.err.println("benchmark run failed: " + e.getMessage());
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
          System.err.println("  caused by: " + t);
        }
        throw e;
      }
      if (quick) {
        for (RunResult rr : r) {
          System.out.printf(
              Locale.ROOT,
              "  %-60s %s %s %s%n",
              rr.getParams().getBenchmark().replace("io.daxfs.bench.", ""),
              rr.getParams().getParamsKeys().stream()
                  .map(k -> k + "=" + rr.getParams().getParam(k))
                  .toList(),
              Summary.ops(rr.getPrimaryResult().getScore()),
              rr.getPrimaryResult().getScoreUnit());
        }
      }
      results.addAll(r);
    }
    if (results.isEmpty()) {
      System.err.println(
          "no benchmark matched "
              + Arrays.toString(jmhArgs)
              + " with "
              + threadCounts
              + " thread(s) (ImageMount runs with 1 only, PositionalIoThreads with 2 only)");
      System.exit(1);
    }
    Path json = out.resolve(quick ? "jmh-result-quick.json" : "jmh-result.json");
    try (PrintStream ps = new PrintStream(Files.newOutputStream(json), false, "UTF-8")) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, ps).writeOut(results);
    }
    System.out.println("JMH results: " + json.toAbsolutePath());

    Path memory = out.resolve("memory.properties");
    footprint(memory);

    Instant end = Instant.now();
    run.setProperty("finished", timestamp(end));
    run.setProperty(
        "minutes",
        String.format(Locale.ROOT, "%.1f", Duration.between(start, end).toSeconds() / 60.0));
    run.setProperty("load.end", Summary.Machine.loadAverage());
    load.interrupt();
    run.setProperty("load.mean", String.format(Locale.ROOT, "%.2f", load.mean()));
    run.setProperty("load.max", String.format(Locale.ROOT, "%.2f", load.max));
    Path runFile = out.resolve("run.properties");
    try (Writer w = Files.newBufferedWriter(runFile)) {
      run.store(w, "daxfs benchmark run");
    }
    Summary.write(json, memory, runFile, summary);
    System.out.println("Summary: " + summary.toAbsolutePath());
  }

  /**
   * Samples the 1-minute load average every 5 s during the run. The suite itself keeps one or two
   * threads busy; a higher load means other work shared the two cores and the figures are noisier.
   */
  private static final class LoadSampler extends Thread {
    private double sum;
    private int samples;
    volatile double max;

    LoadSampler() {
      super("load-sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!isInterrupted()) {
        try {
          double l = Double.parseDouble(Summary.Machine.loadAverage());
          synchronized (this) {
            sum += l;
            samples++;
          }
          max = Math.max(max, l);
        } catch (NumberFormatException e) {
          return; // no /proc/loadavg here
        }
        try {
          Thread.sleep(5000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    synchronized double mean() {
      return samples == 0 ? Double.NaN : sum / samples;
    }
  }

  /**
   * Runs {@link MemoryFootprint} in a fresh JVM with a small heap, so that its RSS is the device's.
   */
  private static void footprint(Path file) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                MemoryFootprint.class.getName(),
                file.toString())
            .inheritIO()
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("MemoryFootprint failed");
    }
  }

  /**
   * The Maven command line that started this run (the mvn script exports it), else the documented
   * one.
   */
  private static String command() {
    String mvn = System.getenv("MAVEN_CMD_LINE_ARGS");
    return mvn == null || mvn.isBlank() ? COMMAND : "mvn " + mvn.trim();
  }

  private static String timestamp(Instant i) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(i.atOffset(ZoneOffset.UTC));
  }

  /** The commit benchmarked, and whether the tree had changes on top of it. */
  private static String git() {
    try {
      Process p =
          new ProcessBuilder("git", "describe", "--always", "--dirty")
              .redirectErrorStream(true)
              .start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 && !s.isEmpty() ? "git " + s : "?";
    } catch (IOException | RuntimeException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
