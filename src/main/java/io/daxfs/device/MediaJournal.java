package io.daxfs.device;

/**
 * Hears every change of a device's media state, in the order the changes take effect: what an image
 * keeps so that known badblocks stay known and latent poison stays latent across a restart.
 *
 * <p>Called with the device's media-state lock held, only when a set of sectors changes (never on
 * the I/O path of a clean device), possibly from many threads one at a time. It must not call back
 * into the device. It may fail only with an {@link java.io.UncheckedIOException} (an image whose
 * host storage failed), having kept nothing of the change; the device's operation then fails with
 * it, and the device's own media state keeps the change.
 */
public interface MediaJournal {
  /** What changed: a set of sectors gained or lost a range. */
  enum Kind {
    /** Sectors became poisoned (an injection, known or latent). */
    POISON_ADDED,
    /** Sectors lost their poison (uninjected, or cleared by a driver write or zeroing). */
    POISON_REMOVED,
    /** Sectors entered the badblocks list (injected, met by an access, found by a scrub). */
    KNOWN_ADDED,
    /** Sectors left the badblocks list (cleared by a driver write or zeroing). */
    KNOWN_REMOVED
  }

  /** Sectors {@code [fromSector, toSector)} changed as {@code kind} says. */
  void record(Kind kind, long fromSector, long toSector);
}
