/**
 * The node agent: runs revisions' instances through runtime backends and publishes their endpoints.
 */
package dev.skiff.node;
