/**
 * Gradual rollouts of a service's latest revision: the step schedule, the rollout state the status
 * resolver carries forward, the analysis that rolls a rollout back, and the controller that drives
 * them.
 */
package dev.skiff.controlplane.internal.rollout;
