package dev.skiff.api.validation;

import dev.skiff.api.model.RevisionTemplate;

/**
 * Knative's rule for revision names users choose ({@code spec.template.metadata.name}): a DNS label
 * that starts with the service's name and a dash, so revisions of different services cannot collide
 * and a revision's name tells its service.
 */
final class RevisionNames {
  private RevisionNames() {}

  static void check(Problems p, String field, String service, RevisionTemplate t) {
    String name = t.name();
    if (name == null || service == null) {
      return;
    }
    String prefix = service + "-";
    String hint =
        "name it "
            + prefix
            + "{suffix}, e.g. "
            + prefix
            + "blue (Knative: spec.template.metadata.name), or omit it and Skiff names it "
            + prefix
            + "00001, ...";
    if (!name.startsWith(prefix) || name.length() == prefix.length()) {
      p.add(field, "'" + name + "' must start with the service's name and a dash", hint);
    } else if (!Names.isDnsLabel(name)) {
      p.add(
          field,
          "'" + name + "' is not a DNS label of at most 63 characters",
          Names.DNS_HINT + "; " + hint);
    }
  }
}
