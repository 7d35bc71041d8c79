/**
 * Seconds per pipeline stage: the paper's FLOPs-and-roofline model of named GPUs and models, and a
 * model fitted to measured step times of real ones.
 */
package io.tandem.planner.cost;
