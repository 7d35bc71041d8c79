/**
 * Implementation of the runtime, not an API: safetensors files and checkpoints, GPT-2 config,
 * parameters and forward pass on DJL, the KV cache and the batched generation loop.
 */
package io.tandem.model.internal;
