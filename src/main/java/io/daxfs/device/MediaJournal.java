package io.daxfs.device;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Hears every change of a device's media state, in the order the changes take effect: what an image
 * keeps so that known badblocks stay known and latent poison stays latent across a restart.
 *
 * <p>Called with the device's media-state lock held, only when a set of sectors changes (never on
 * the I/O path of a clean device), possibly from many threads one at a time. It must not call back
 * into the device. The device records a change before it makes it.
 *
 * <p>A journal fails to keep changes only with an {@link IOException} (an image whose host storage
 * failed), and then keeps none of them. The device then leaves its media state as it was: an
 * injection or a scrub fails with the cause; a write or a zeroing that would clear errors fails
 * with it before a byte is written; an access that meets latent poison fails with its media error
 * as always, with the cause suppressed in it, and the sectors stay unlisted (as a restart leaves
 * them, until a scrub).
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

  /** Sectors {@code [fromSector, toSector)} gain or lose what {@code kind} says. */
  record Change(Kind kind, long fromSector, long toSector) {
    /**
     * @throws IllegalArgumentException if the range is empty or negative
     */
    public Change {
      Objects.requireNonNull(kind, "kind");
      if (fromSector < 0 || toSector <= fromSector) {
        throw new IllegalArgumentException("sectors " + fromSector + " to " + toSector);
      }
    }
  }

  /**
   * Changes that take effect together, as one operation (an injection and its listing, a scrub's
   * findings, a clearing of poison and listing): kept all or none, in order.
   *
   * @throws IOException if they cannot be kept; none of them is
   */
  void record(List<Change> changes) throws IOException;
}
