/**
 * The {@code skiff} command line: {@link dev.skiff.cli.Skiff} is the entry point (also callable in
 * process through {@code Skiff.run}); one class per subcommand.
 */
package dev.skiff.cli;
