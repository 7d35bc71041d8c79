/**
 * Timing of the draft-verify pipeline: an exact event-driven evaluator of round-robin batch runs
 * and the lock-step closed forms that bound it.
 */
package io.tandem.planner.pipeline;
