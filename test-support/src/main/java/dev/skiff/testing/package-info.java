/** Helpers that tests in several modules share; a test-scope dependency only. */
package dev.skiff.testing;
