/**
 * How many tokens a speculative round yields for a draft/target pair: acceptance models, their fits
 * to measured counts, and a sampler for simulation.
 */
package io.tandem.planner.acceptance;
