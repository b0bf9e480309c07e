/**
 * Testing with daxfs in JUnit Jupiter and AssertJ: {@link io.daxfs.junit.DaxTest} gives each test a
 * fresh daxfs filesystem (injected as parameters or {@link io.daxfs.junit.DaxInject} fields, closed
 * afterwards), {@link io.daxfs.junit.InjectMediaError} poisons it declaratively, a failing test
 * carries a {@link io.daxfs.junit.DaxMediaReport}, and {@link io.daxfs.junit.DaxAssertions} checks
 * media errors and files.
 *
 * <p>This is the only package of daxfs that uses JUnit and AssertJ. Both are optional dependencies
 * of daxfs: a project that uses this package brings {@code junit-jupiter-api} (5.13 or later) and,
 * for {@code DaxAssertions}, {@code assertj-core} (3.27 or later) on its own test class path.
 */
@NullMarked
package io.daxfs.junit;

import org.jspecify.annotations.NullMarked;
