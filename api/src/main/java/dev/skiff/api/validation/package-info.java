/** Validation of resources: every problem with its field path and a hint on how to fix it. */
package dev.skiff.api.validation;
