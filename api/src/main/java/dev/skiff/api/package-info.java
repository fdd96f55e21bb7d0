/** Skiff's resource model and its wire formats: what crosses component boundaries. */
package dev.skiff.api;
