package io.daxfs.device;

import io.daxfs.BadBlock;
import io.daxfs.MediaErrorModel;
import io.daxfs.PmemDevice;
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
    device.injectError(sector, count);
  }

  @Override
  public void injectLatentError(long sector, long count) {
    device.injectLatentError(sector, count);
  }

  @Override
  public void uninjectError(long sector, long count) {
    device.uninjectError(sector, count);
  }

  @Override
  public List<BadBlock> injectRandomErrors(long seed, int count) {
    return device.injectRandomErrors(seed, count);
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
    return device.scrub();
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
