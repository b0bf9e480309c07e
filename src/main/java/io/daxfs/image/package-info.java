/**
 * Internal, not API: images, devices whose bytes and filesystem live in a host file and outlive the
 * JVM (superblocks, checkpoints, the metadata log, replay at mount, the one-writer lock, and {@code
 * check}). It lies between {@code io.daxfs.fs} and {@code io.daxfs.nio}: it uses the device and the
 * filesystem, and {@code nio} mounts through it. The module does not export this package; its
 * public classes are public only for {@code io.daxfs.nio} and the command line, and may change in
 * any release. The format is described in {@code docs/image-format.md}.
 */
package io.daxfs.image;
