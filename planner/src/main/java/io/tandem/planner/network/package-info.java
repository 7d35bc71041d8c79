/**
 * The wireless uplink from users to the draft node: channel models and the closed-form sharing of
 * its bandwidth among users.
 */
package io.tandem.planner.network;
