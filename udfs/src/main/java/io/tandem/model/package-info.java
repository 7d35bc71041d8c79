/**
 * The causal language-model runtime: load a Hugging Face-style model directory ({@link
 * io.tandem.model.CausalLm}), tokenize ({@link io.tandem.model.TextTokenizer}) and generate batches
 * of continuations from token prompts; no engine type appears in this package's API.
 */
package io.tandem.model;
