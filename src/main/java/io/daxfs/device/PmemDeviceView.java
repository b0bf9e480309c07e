package io.daxfs.device;

import io.daxfs.BadBlock;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link PmemDevice} that {@code DaxFileSystems.device} hands out: the control operations of an
 * {@link EmulatedPmem} and nothing else. It is a class of its own, not the device, so that no
 * caller reaches the raw read, write, copy and map methods by a cast, on the class path (where the
 * module boundary does not hold) as on the module path.
 */
final class PmemDeviceView implements PmemDevice {
  private final EmulatedPmem device;

  PmemDeviceView(EmulatedPmem device) {
    this.device = device;
  }

  @Override
  public long size() {
    return device.size();
  }

  @Override
  public int sectorSize() {
    return device.sectorSize();
  }

  @Override
  public MediaErrorModel mediaErrorModel() {
    return device.mediaErrorModel();
  }

  @Override
  public long memoryUsed() {
    return device.memoryUsed();
  }

  @Override
  public void injectError(long sector, long count) {
    try {
      device.injectError(sector, count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void injectLatentError(long sector, long count) {
    try {
      device.injectLatentError(sector, count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void uninjectError(long sector, long count) {
    try {
      device.uninjectError(sector, count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<BadBlock> injectRandomErrors(long seed, int count) {
    try {
      return device.injectRandomErrors(seed, count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<BadBlock> badblocks() {
    return device.badblocks();
  }

  @Override
  public List<BadBlock> injectedErrors() {
    return device.injectedErrors();
  }

  @Override
  public String badblocksText() {
    return device.badblocksText();
  }

  @Override
  public List<BadBlock> scrub() {
    try {
      return device.scrub();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public AutoCloseable onNewBadBlocks(Consumer<List<BadBlock>> listener) {
    return device.onNewBadBlocks(listener);
  }

  @Override
  public String toString() {
    return "PmemDevice["
        + size()
        + " bytes, "
        + sectorSize()
        + "-byte sectors, "
        + mediaErrorModel()
        + "]";
  }
}
