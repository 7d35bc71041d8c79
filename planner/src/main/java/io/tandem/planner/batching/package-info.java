/**
 * Choosing batch boundaries and speculation lengths for a window of requests so that the
 * draft-verify pipeline serves them soonest.
 */
package io.tandem.planner.batching;
