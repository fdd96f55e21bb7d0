package dev.skiff.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** {@code skiff completion}: a bash (and zsh, via bashcompinit) completion script on stdout. */
@Command(
    name = "completion",
    description = {
      "Print a bash completion script.",
      "Load it with:",
      "  source <(skiff completion)",
      "zsh: run 'autoload -U +X bashcompinit && bashcompinit' first."
    })
final class CompletionCommand extends SkiffCommand {
  @Override
  public Integer call() {
    skiff().out().print(AutoComplete.bash("skiff", spec.root().commandLine()));
    skiff().out().flush();
    return OK;
  }
}
