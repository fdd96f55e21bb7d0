/** The etcd store's machinery: revision mapping, resumable watches, error translation. */
package dev.skiff.store.etcd.internal;
