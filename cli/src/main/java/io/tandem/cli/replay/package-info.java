/** Replaying recorded request traces against the job: trace formats and readers. */
package io.tandem.cli.replay;
