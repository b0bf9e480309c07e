package io.daxfs.nio;

import com.sun.nio.file.ExtendedOpenOption;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Set;

/**
 * The open options of a channel, checked as the JDK's default provider checks them on Linux. {@code
 * dsync}: each write is durable with the file's size and blocks ({@code DSYNC} or {@code SYNC});
 * {@code sync}: and with its times ({@code SYNC}).
 */
record OpenOptions(
    boolean read,
    boolean write,
    boolean append,
    boolean create,
    boolean createNew,
    boolean truncateExisting,
    boolean deleteOnClose,
    boolean followLinks,
    boolean direct,
    boolean dsync,
    boolean sync) {

  /**
   * @throws IllegalArgumentException for READ with APPEND, or APPEND with TRUNCATE_EXISTING
   * @throws UnsupportedOperationException for an option daxfs does not know
   */
  static OpenOptions parse(Set<? extends OpenOption> options) {
    return parse(options, false);
  }

  /**
   * As {@link #parse(Set)}, for an asynchronous channel when {@code asynchronous}.
   *
   * @throws UnsupportedOperationException for APPEND on an asynchronous channel, before any
   *     conflict is judged (as the JDK's default provider does)
   */
  static OpenOptions parse(Set<? extends OpenOption> options, boolean asynchronous) {
    Objects.requireNonNull(options, "options");
    boolean read = false, write = false, append = false, create = false, createNew = false;
    boolean truncate = false, deleteOnClose = false, follow = true, direct = false;
    boolean dsync = false, sync = false;
    for (OpenOption o : options) {
      Objects.requireNonNull(o, "option");
      if (o instanceof StandardOpenOption s) {
        switch (s) {
          case READ -> read = true;
          case WRITE -> write = true;
          case APPEND -> append = true;
          case CREATE -> create = true;
          case CREATE_NEW -> createNew = true;
          case TRUNCATE_EXISTING -> truncate = true;
          case DELETE_ON_CLOSE -> deleteOnClose = true;
          case SPARSE -> {} // every daxfs file is sparse: holes take no blocks
          case SYNC -> sync = dsync = true;
          case DSYNC -> dsync = true;
        }
      } else if (o == LinkOption.NOFOLLOW_LINKS) {
        follow = false;
      } else if (o == ExtendedOpenOption.DIRECT) {
        direct = true;
      } else {
        throw new UnsupportedOperationException(o + " not supported");
      }
    }
    if (asynchronous && append) {
      throw new UnsupportedOperationException("APPEND not allowed");
    }
    if (read && append) {
      throw new IllegalArgumentException("READ + APPEND not allowed");
    }
    if (append && truncate) {
      throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
    }
    boolean writes = write || append;
    // Like open(2) through the JDK: creation and truncation only take effect on a writable open.
    return new OpenOptions(
        read || !writes,
        writes,
        append,
        create && writes,
        createNew && writes,
        truncate && writes,
        deleteOnClose,
        follow,
        direct,
        dsync,
        sync);
  }
}
