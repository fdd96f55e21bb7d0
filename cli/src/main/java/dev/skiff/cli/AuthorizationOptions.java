package dev.skiff.cli;

import dev.skiff.api.model.Authorization;
import dev.skiff.api.validation.AuthorizationRules;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The flags that set a service's authorization on {@code deploy}: {@code --allow} (repeatable,
 * replaces the allow list), {@code --allow-default} (back to the default callers) and {@code
 * --mesh-mode}. Without any of them a deploy keeps the service's authorization as it is. Checked
 * locally with the control plane's own rules, so a bad identity is reported by its flag.
 */
final class AuthorizationOptions {
  /** The values of {@code --mesh-mode}, typed in any case. */
  enum MeshMode {
    STRICT,
    PERMISSIVE
  }

  @Option(
      names = "--allow",
      paramLabel = "IDENTITY",
      description = {
        "A caller allowed besides the gateway, activator and eventing (repeatable; replaces",
        "the service's allow list): spiffe://{trust-domain}/ns/{namespace}/svc/{service}, a",
        "last segment * (spiffe://skiff.local/ns/shop/svc/*), or * for every caller.",
        "Without it the list stays as it is; a new service allows its own namespace."
      })
  List<String> allow;

  @Option(
      names = "--allow-default",
      description = "Drop the allow list: the service's own namespace may call it again.")
  boolean allowDefault;

  @Option(
      names = "--mesh-mode",
      paramLabel = "MODE",
      description = {
        "strict (the default: mTLS from mesh identities only) or permissive (plaintext",
        "accepted too, for migrations). Without it the mode stays as it is."
      })
  MeshMode meshMode;

  /** Whether any of the flags was given. */
  boolean given() {
    return allow != null || allowDefault || meshMode != null;
  }

  /**
   * Problems with the flags, one line each naming the flag: {@code --allow[1] 'x': is not a SPIFFE
   * ID (...)}. Empty when all is well.
   */
  List<String> problems() {
    List<String> out = new ArrayList<>();
    if (allow != null && allowDefault) {
      out.add("--allow and --allow-default: give one of them, not both");
      return out;
    }
    if (allow != null) {
      Problems p = new Problems();
      AuthorizationRules.checkAllow(p, "--allow", allow);
      for (FieldError e : p.errors()) {
        out.add(e.field() + ": " + e.message() + (e.hint() == null ? "" : " (" + e.hint() + ")"));
      }
    }
    return out;
  }

  /**
   * The authorization to write: {@code current} with what the flags change; null when that leaves
   * nothing but defaults.
   */
  Authorization applyTo(Authorization current) {
    List<String> list =
        allowDefault
            ? List.of()
            : allow != null ? allow : current == null ? List.of() : current.allow();
    String mode =
        meshMode != null
            ? meshMode.name().toUpperCase(Locale.ROOT)
            : current == null ? null : current.mode();
    return list.isEmpty() && mode == null ? null : new Authorization(list, mode);
  }
}
