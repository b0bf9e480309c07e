package io.daxfs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a daxfs filesystem and its emulated device. Immutable; build one with {@link
 * #builder()}, or from the environment map of {@link java.nio.file.FileSystems#newFileSystem(
 * java.net.URI, Map)} with {@link #fromEnvironment(Map)}.
 */
public final class DaxConfiguration {
  /**
   * Environment key for {@link Builder#deviceSize(long)}; a number or a size such as {@code "64m"}.
   */
  public static final String DEVICE_SIZE = "deviceSize";

  /** Environment key for {@link Builder#blockSize(int)}. */
  public static final String BLOCK_SIZE = "blockSize";

  /** Environment key for {@link Builder#sectorSize(int)}. */
  public static final String SECTOR_SIZE = "sectorSize";

  /** Environment key for {@link Builder#mediaErrorModel(MediaErrorModel)}; the constant's name. */
  public static final String MEDIA_ERROR_MODEL = "mediaErrorModel";

  /**
   * Environment key for {@link Builder#memoryDirectory(Path)}; a path of the default filesystem.
   */
  public static final String MEMORY_DIRECTORY = "memoryDirectory";

  /** Environment key for {@link Builder#umask(int)}; an octal string such as {@code "022"}. */
  public static final String UMASK = "umask";

  /** Environment key for {@link Builder#image(Path)}; a path of the default filesystem. */
  public static final String IMAGE = "image";

  /** Environment key for {@link Builder#readOnly(boolean)}; {@code true} or {@code "true"}. */
  public static final String READ_ONLY = "readOnly";

  /** Environment key for {@link Builder#scrubAtMount(boolean)}; {@code true} or {@code "true"}. */
  public static final String SCRUB = "scrub";

  /** Environment key for {@link Builder#powerFailModel(PowerFailModel)}; the constant's name. */
  public static final String POWER_FAIL_MODEL = "powerFailModel";

  private static final Set<String> KEYS =
      Set.of(
          DEVICE_SIZE,
          BLOCK_SIZE,
          SECTOR_SIZE,
          MEDIA_ERROR_MODEL,
          MEMORY_DIRECTORY,
          UMASK,
          IMAGE,
          READ_ONLY,
          SCRUB,
          POWER_FAIL_MODEL);

  /** Largest device: far beyond any test, small enough that byte offsets never overflow. */
  static final long MAX_DEVICE_SIZE = 1L << 50;

  private final long deviceSize;
  private final int blockSize;
  private final int sectorSize;
  private final MediaErrorModel mediaErrorModel;
  private final @Nullable Path memoryDirectory;
  private final int umask;
  private final @Nullable Path image;
  private final boolean readOnly;
  private final boolean scrubAtMount;
  private final Set<String> explicit;
  private final @Nullable PowerFailModel powerFailModel;

  private DaxConfiguration(Builder b) {
    this.deviceSize = b.deviceSize;
    this.blockSize = b.blockSize;
    this.sectorSize = b.sectorSize;
    this.mediaErrorModel = b.mediaErrorModel;
    this.memoryDirectory = b.memoryDirectory;
    this.umask = b.umask;
    this.image = b.image;
    this.readOnly = b.readOnly;
    this.scrubAtMount = b.scrubAtMount;
    this.explicit = Set.copyOf(b.explicit);
    this.powerFailModel = b.powerFailModel;
  }

  /**
   * The defaults: a 256 MiB sparse device, 4 KiB blocks, 512-byte sectors, {@code DIRECT_BYPASS}.
   */
  public static DaxConfiguration defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.deviceSize = deviceSize;
    b.blockSize = blockSize;
    b.sectorSize = sectorSize;
    b.mediaErrorModel = mediaErrorModel;
    b.memoryDirectory = memoryDirectory;
    b.umask = umask;
    b.image = image;
    b.readOnly = readOnly;
    b.scrubAtMount = scrubAtMount;
    b.explicit.addAll(explicit);
    b.powerFailModel = powerFailModel;
    return b;
  }

  /**
   * Reads a configuration from a {@code newFileSystem} environment map. Keys are the constants of
   * this class; values may be strings ({@code "1g"}, {@code "4096"}, {@code "RECOVERY_WRITE"}) or,
   * for sizes, numbers. Missing keys keep their defaults.
   *
   * @throws IllegalArgumentException if a key is unknown or a value cannot be read
   */
  public static DaxConfiguration fromEnvironment(Map<String, ?> env) {
    requireNonNull(env, "env");
    Builder b = builder();
    for (Map.Entry<String, ?> e : env.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      checkArgument(
          KEYS.contains(key), "unknown daxfs environment key '%s'; known keys: %s", key, KEYS);
      requireNonNull(value, () -> "value of environment key " + key);
      switch (key) {
        case DEVICE_SIZE -> b.deviceSize(parseSize(key, value));
        case BLOCK_SIZE -> b.blockSize(intSetting(key, parseSize(key, value)));
        case SECTOR_SIZE -> b.sectorSize(intSetting(key, parseSize(key, value)));
        case MEDIA_ERROR_MODEL ->
            b.mediaErrorModel(
                value instanceof MediaErrorModel m ? m : parseModel(value.toString()));
        case MEMORY_DIRECTORY ->
            b.memoryDirectory(value instanceof Path p ? p : Path.of(value.toString()));
        case UMASK ->
            b.umask(
                value instanceof Number n
                    ? intSetting(key, n.longValue())
                    : parseOctal(value.toString()));
        case IMAGE -> b.image(value instanceof Path p ? p : Path.of(value.toString()));
        case READ_ONLY -> b.readOnly(parseBoolean(key, value));
        case SCRUB -> b.scrubAtMount(parseBoolean(key, value));
        case POWER_FAIL_MODEL ->
            b.powerFailModel(
                value instanceof PowerFailModel m ? m : parsePowerFailModel(value.toString()));
        default -> throw new AssertionError(key);
      }
    }
    return b.build();
  }

  /**
   * Reads a size: a plain number of bytes or a number followed by {@code k}, {@code m}, {@code g}
   * or {@code t} (binary multiples, case-insensitive, an optional trailing {@code b} or {@code
   * ib}).
   *
   * @throws IllegalArgumentException if the text is not such a size or overflows
   */
  public static long parseSize(String text) {
    requireNonNull(text, "text");
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.endsWith("ib")) {
      s = s.substring(0, s.length() - 2);
    } else if (s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    int shift = 0;
    if (!s.isEmpty()) {
      switch (s.charAt(s.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        case 't' -> shift = 40;
        default -> shift = 0;
      }
    }
    if (shift != 0) {
      s = s.substring(0, s.length() - 1).trim();
    }
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a size: '" + text + "' (use bytes, or 64k, 64m, 1g, 1t)");
    }
    checkArgument(n >= 0, "negative size: '%s'", text);
    checkArgument(n <= (Long.MAX_VALUE >> shift), "size overflows: '%s'", text);
    return n << shift;
  }

  private static long parseSize(String key, Object value) {
    if (value instanceof Number n) {
      return n.longValue();
    }
    try {
      return parseSize(value.toString());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  /** {@code value} as an int; one that does not fit must not wrap into a valid setting. */
  private static int intSetting(String key, long value) {
    if (value != (int) value) {
      throw new IllegalArgumentException(key + ": out of range: " + value);
    }
    return (int) value;
  }

  private static MediaErrorModel parseModel(String s) {
    try {
      return MediaErrorModel.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          MEDIA_ERROR_MODEL
              + ": unknown model '"
              + s
              + "'; one of "
              + Set.of(MediaErrorModel.values()),
          e);
    }
  }

  private static boolean parseBoolean(String key, Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    String s = value.toString().trim();
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    if (s.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(key + ": not true or false: '" + s + "'");
  }

  private static PowerFailModel parsePowerFailModel(String s) {
    try {
      return PowerFailModel.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          POWER_FAIL_MODEL
              + ": unknown model '"
              + s
              + "'; one of "
              + Set.of(PowerFailModel.values()),
          e);
    }
  }

  private static int parseOctal(String s) {
    try {
      return Integer.parseInt(s.trim(), 8);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(UMASK + ": not an octal mask: '" + s + "'", e);
    }
  }

  /** Size of the emulated device in bytes. */
  public long deviceSize() {
    return deviceSize;
  }

  /** Filesystem block size in bytes: the unit of allocation. */
  public int blockSize() {
    return blockSize;
  }

  /** Logical sector size of the device in bytes: the unit of badblocks and of DIRECT alignment. */
  public int sectorSize() {
    return sectorSize;
  }

  /** How media errors behave. */
  public MediaErrorModel mediaErrorModel() {
    return mediaErrorModel;
  }

  /**
   * Where the device's memory file is created (and at once unlinked), if set; else {@code /dev/shm}
   * when it is a writable directory, else {@code java.io.tmpdir}.
   */
  public Optional<Path> memoryDirectory() {
    return Optional.ofNullable(memoryDirectory);
  }

  /**
   * Permission bits removed from the mode of every new file, directory and link (octal 022 by
   * default).
   */
  public int umask() {
    return umask;
  }

  /**
   * The image file that holds the device and the filesystem, if set; else the device lives in
   * memory only. A missing file is formatted with this configuration's geometry; an existing one is
   * mounted with its own.
   */
  public Optional<Path> image() {
    return Optional.ofNullable(image);
  }

  /** Whether the {@linkplain #image() image} is mounted for inspection only. */
  public boolean readOnly() {
    return readOnly;
  }

  /** Whether the device is scrubbed at mount, as address range scrub runs at boot. */
  public boolean scrubAtMount() {
    return scrubAtMount;
  }

  /**
   * The environment keys of the settings given explicitly, to the builder or in the environment;
   * the other settings hold their defaults. An existing image refuses an explicit geometry that
   * contradicts its own.
   */
  public Set<String> explicitSettings() {
    return explicit;
  }

  /**
   * What a power cut may do to what the program has not made durable, if the filesystem tracks
   * durability for {@link DaxFileSystems#powerFail}; empty (the default) when it does not: then
   * nothing is tracked, a freed block can be reused at once, and {@code powerFail} throws {@link
   * IllegalStateException}.
   */
  public Optional<PowerFailModel> powerFailModel() {
    return Optional.ofNullable(powerFailModel);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DaxConfiguration c
        && deviceSize == c.deviceSize
        && blockSize == c.blockSize
        && sectorSize == c.sectorSize
        && mediaErrorModel == c.mediaErrorModel
        && Objects.equals(memoryDirectory, c.memoryDirectory)
        && umask == c.umask
        && Objects.equals(image, c.image)
        && readOnly == c.readOnly
        && scrubAtMount == c.scrubAtMount
        && explicit.equals(c.explicit)
        && powerFailModel == c.powerFailModel;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        deviceSize,
        blockSize,
        sectorSize,
        mediaErrorModel,
        memoryDirectory,
        umask,
        image,
        readOnly,
        scrubAtMount,
        explicit,
        powerFailModel);
  }

  @Override
  public String toString() {
    return "DaxConfiguration{deviceSize="
        + deviceSize
        + ", blockSize="
        + blockSize
        + ", sectorSize="
        + sectorSize
        + ", mediaErrorModel="
        + mediaErrorModel
        + (memoryDirectory == null ? "" : ", memoryDirectory=" + memoryDirectory)
        + ", umask=0"
        + Integer.toOctalString(umask)
        + (image == null ? "" : ", image=" + image)
        + (readOnly ? ", readOnly" : "")
        + (scrubAtMount ? ", scrubAtMount" : "")
        + (powerFailModel == null ? "" : ", powerFailModel=" + powerFailModel)
        + "}";
  }

  /** Builds a {@link DaxConfiguration}. Not thread-safe. */
  public static final class Builder {
    private long deviceSize = 256L << 20;
    private int blockSize = 4096;
    private int sectorSize = 512;
    private MediaErrorModel mediaErrorModel = MediaErrorModel.DIRECT_BYPASS;
    private @Nullable Path memoryDirectory;
    private int umask = 0022;
    private @Nullable Path image;
    private boolean readOnly;
    private boolean scrubAtMount;
    private final Set<String> explicit = new java.util.HashSet<>();
    private @Nullable PowerFailModel powerFailModel;

    private Builder() {}

    /** Device size in bytes; it costs memory only for blocks that files use. */
    public Builder deviceSize(long bytes) {
      this.deviceSize = bytes;
      explicit.add(DEVICE_SIZE);
      return this;
    }

    /** Filesystem block size: a power of two from 512 to 65536, at least the sector size. */
    public Builder blockSize(int bytes) {
      this.blockSize = bytes;
      explicit.add(BLOCK_SIZE);
      return this;
    }

    /** Device logical sector size: 512 or 4096. */
    public Builder sectorSize(int bytes) {
      this.sectorSize = bytes;
      explicit.add(SECTOR_SIZE);
      return this;
    }

    /** The media-error model. */
    public Builder mediaErrorModel(MediaErrorModel model) {
      this.mediaErrorModel = requireNonNull(model, "model");
      explicit.add(MEDIA_ERROR_MODEL);
      return this;
    }

    /** The directory of the default filesystem where the device's (unlinked) memory file lives. */
    public Builder memoryDirectory(Path directory) {
      this.memoryDirectory = requireNonNull(directory, "directory");
      explicit.add(MEMORY_DIRECTORY);
      return this;
    }

    /**
     * Bits (octal 0 to 0777) removed from the permissions of new files, as a process umask does.
     */
    public Builder umask(int mask) {
      this.umask = mask;
      explicit.add(UMASK);
      return this;
    }

    /**
     * Keeps the device and the whole filesystem in {@code file}, a sparse file of the default
     * filesystem that outlives the JVM: file data, names, attributes, links and the media-error
     * state (known badblocks and latent poison). A missing file is formatted (readable and writable
     * by its owner only) with this builder's device size, sector size, block size and media-error
     * model; an existing image is mounted with its own, and one of these settings given explicitly
     * that contradicts the image fails the mount with an {@link IllegalArgumentException} naming
     * both values. An image is open for one writer at a time.
     */
    public Builder image(Path file) {
      this.image = requireNonNull(file, "file");
      explicit.add(IMAGE);
      return this;
    }

    /**
     * Mounts the {@linkplain #image(Path) image} for inspection: allowed while no writer holds it;
     * the filesystem's {@code isReadOnly()} is true and every change throws {@link
     * java.nio.file.ReadOnlyFileSystemException}. Media errors met are not written back.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      explicit.add(READ_ONLY);
      return this;
    }

    /**
     * Scrubs the {@linkplain #image(Path) image}'s device at mount, as address range scrub does at
     * boot: latent poison becomes known badblocks.
     */
    public Builder scrubAtMount(boolean scrub) {
      this.scrubAtMount = scrub;
      explicit.add(SCRUB);
      return this;
    }

    /**
     * Tracks what the program makes durable, so that {@link DaxFileSystems#powerFail} can cut the
     * power under {@code model}. Tracking costs a little on each metadata change (not on reads and
     * writes within a file's size and blocks), keeps the changes made since the last sync, and
     * holds blocks freed by a change that is not yet durable back from reuse until it is, as ext4
     * and XFS do.
     */
    public Builder powerFailModel(PowerFailModel model) {
      this.powerFailModel = requireNonNull(model, "model");
      return this;
    }

    /**
     * Checks the settings and builds.
     *
     * @throws IllegalArgumentException if a setting is out of range or they do not fit together
     *     (also {@code readOnly} or {@code scrubAtMount} without an image, and {@code
     *     powerFailModel} with {@code readOnly})
     */
    public DaxConfiguration build() {
      checkArgument(
          sectorSize == 512 || sectorSize == 4096,
          "sectorSize must be 512 or 4096, got %s",
          sectorSize);
      checkArgument(
          Integer.bitCount(blockSize) == 1 && blockSize >= 512 && blockSize <= 65536,
          "blockSize must be a power of two from 512 to 65536, got %s",
          blockSize);
      checkArgument(
          blockSize >= sectorSize,
          "blockSize (%s) must be at least the sectorSize (%s)",
          blockSize,
          sectorSize);
      checkArgument(
          deviceSize > 0 && deviceSize <= MAX_DEVICE_SIZE,
          "deviceSize must be from 1 block to 2^50 bytes, got %s",
          deviceSize);
      checkArgument(
          deviceSize % blockSize == 0,
          "deviceSize (%s) must be a multiple of the blockSize (%s)",
          deviceSize,
          blockSize);
      checkArgument(
          deviceSize >= 16L * blockSize,
          "deviceSize (%s) must hold at least 16 blocks of %s bytes",
          deviceSize,
          blockSize);
      checkArgument(
          (umask & ~0777) == 0,
          "umask must be within octal 0777, got %s",
          Integer.toOctalString(umask));
      checkArgument(!readOnly || image != null, "readOnly applies to an image; none is set");
      checkArgument(
          !scrubAtMount || image != null, "scrubAtMount applies to an image; none is set");
      checkArgument(
          powerFailModel == null || !readOnly,
          "powerFailModel applies to a writable filesystem; the image is mounted readOnly");
      return new DaxConfiguration(this);
    }
  }
}
