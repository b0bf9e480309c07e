package io.daxfs.device;

import java.lang.ref.Cleaner;

/** The daemon thread every device shares for mapping release. */
final class Mappings {
  static final Cleaner CLEANER = Cleaner.create(r -> daemon(r, "daxfs-mapping-cleaner"));

  private Mappings() {}

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
