/** Turns windows of admitted requests into planned batches with their speculation lengths. */
package io.tandem.job.planning;
