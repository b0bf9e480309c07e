package io.daxfs.device;

import java.lang.ref.Cleaner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The daemon threads every device shares: mapping release and badblock notification. */
final class Mappings {
  static final Cleaner CLEANER = Cleaner.create(r -> daemon(r, "daxfs-mapping-cleaner"));
  static final ExecutorService NOTIFIER = Executors.newSingleThreadExecutor(r -> daemon(r, "daxfs-media-errors"));

  private Mappings() {}

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
