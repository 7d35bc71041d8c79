/**
 * A simulator of the paper's set-up: users on a wireless uplink, a draft node and a verify node,
 * and the serving schemes the paper compares, run side by side on the same users and the same
 * acceptance draws.
 */
package io.tandem.planner.sim;
