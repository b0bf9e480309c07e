package daxfs.samples;

import java.io.PrintStream;

/**
 * A runnable story that prints what it does and throws {@link AssertionError} if a step misbehaves.
 */
public interface Sample {
  /** One line saying what the sample shows. */
  String title();

  /** Runs the story, printing each step to {@code out}. */
  void run(PrintStream out) throws Exception;
}
