/**
 * The planner: given a window of requests, profiles of the draft and verify stages and the
 * acceptance behaviour of the model pair, choose batches, speculation lengths and uplink bandwidth
 * so that serving latency is lowest. Pure functions over plain values; no Flink, no DJL.
 */
package io.tandem.planner;
