/**
 * Test helpers for proxy components, shipped in this module's test-jar: waiting on futures and
 * conditions ({@link dev.skiff.proxy.testing.Await}) and the common ground of tests that run a real
 * proxy ({@link dev.skiff.proxy.testing.ProxyTestBase}).
 */
package dev.skiff.proxy.testing;
