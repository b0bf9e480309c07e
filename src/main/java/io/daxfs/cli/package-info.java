/**
 * The {@code daxfs} command line: images at rest in ndctl's words ({@code create-namespace}, {@code
 * list --media-errors}, {@code inject-error}, {@code clear-errors}, {@code start-scrub}) and the
 * tools a recovery needs around them ({@code fiemap}, {@code check}, {@code ls}, {@code cp}).
 *
 * <p>Internal and not exported: it runs from the shaded {@code daxfs-<version>-cli.jar}, whose
 * picocli and Jackson a user of the library never sees. Each command mounts its image, does its
 * work through the public API, and closes the image before it returns.
 */
package io.daxfs.cli;
