/** Reading and writing manifests: Skiff's own JSON/YAML and Knative Service manifests. */
package dev.skiff.api.manifest;
