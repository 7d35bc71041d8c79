/**
 * The pure rules of speculative decoding: token distributions, seeded draws and the acceptance rule
 * that makes drafted tokens follow the target model's distribution exactly.
 */
package io.tandem.speculative;
