/** The dispatcher's parts: the consumer thread per trigger, record mapping, delivery. */
package dev.skiff.eventing.internal;
