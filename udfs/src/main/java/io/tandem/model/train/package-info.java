/**
 * Training a byte-level GPT-2 on Jane Austen's novels with DJL and exporting it as a model
 * directory that {@link io.tandem.model.CausalLm} loads.
 */
package io.tandem.model.train;
