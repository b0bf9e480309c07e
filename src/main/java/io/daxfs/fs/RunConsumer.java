package io.daxfs.fs;

/**
 * Receives a run of blocks as (start, count) without boxing, so hot paths can report runs cheaply.
 */
@FunctionalInterface
interface RunConsumer {
  void accept(long start, long count);
}
