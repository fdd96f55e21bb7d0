/**
 * Skiff's example functions, packaged as classpath resources so any module's tests can run them.
 */
package dev.skiff.examples;
