package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.cost.StageCosts;

/** Stage-cost models for planner tests, each fully determined by its parameters. */
final class TestCosts {

    private TestCosts() {}

    /**
     * Unstructured costs: every (size, longest prompt, l) gets its own pseudo-random draft and
     * verify time in {@code [0, 1)}, or one of {@code levels} integers if {@code levels > 0} (which
     * makes exact ties common). No prefill, so a plan's total is exactly N·Cyc.
     */
    static StageCosts randomTable(long seed, int levels) {
        return randomTable(seed, levels, 0);
    }

    /**
     * {@link #randomTable(long, int)} with prefills: each (size, longest prompt) gets a draft
     * prefill and each (size, longest prompt, l) a verify prefill, drawn like the round times and
     * multiplied by {@code prefillScale}. With 60 to 143 rounds, a scale of tens makes Fill as
     * large as N·Cyc; a power of two keeps integer levels exact through the planners' Fill / N.
     */
    static StageCosts randomTable(long seed, int levels, double prefillScale) {
        return new StageCosts() {
            @Override
            public double draftRound(BatchShape batch, int l) {
                return value(1, batch, l);
            }

            @Override
            public double verifyRound(BatchShape batch, int l) {
                return value(2, batch, l);
            }

            @Override
            public double draftPrefill(BatchShape batch) {
                return prefillScale * value(3, batch, 0);
            }

            @Override
            public double verifyPrefill(BatchShape batch, int l) {
                return prefillScale * value(4, batch, l);
            }

            @Override
            public double targetStep(BatchShape batch) {
                return 0;
            }

            @Override
            public double targetPrefill(BatchShape batch) {
                return 0;
            }

            private double value(int stage, BatchShape batch, int l) {
                long h = seed;
                for (long part : new long[] {stage, batch.size(), batch.maxInputTokens(), l}) {
                    h = mix(h * 0x9E3779B97F4A7C15L + part);
                }
                double unit = (h >>> 11) * 0x1.0p-53;
                return levels > 0 ? 1 + Math.floor(unit * levels) : unit;
            }
        };
    }

    /**
     * A roofline-shaped model like the paper's: a draft round is l passes, each memory-bound
     * ({@code draftFloor}) or compute-bound (∝ size · context); a verify round is likewise over l+1
     * positions plus a transfer ∝ size · l; prefills ∝ size · prompt.
     */
    record Roofline(
            double draftPerToken,
            double draftFloor,
            double verifyPerToken,
            double verifyFloor,
            double transferPerDraft,
            double prefillPerToken)
            implements StageCosts {

        static Roofline random(java.util.SplittableRandom random) {
            return new Roofline(
                    1e-7 * random.nextDouble(0.1, 5),
                    3e-3 * random.nextDouble(0.1, 3),
                    2e-4 * random.nextDouble(0.05, 5),
                    3e-2 * random.nextDouble(0.5, 2),
                    5e-5 * random.nextDouble(0, 2),
                    1e-6 * random.nextDouble(0, 2));
        }

        /**
         * Like {@link #random}, but with prefill about as costly per token as a verified position,
         * so Fill is as large as the decode rounds, as for LLaMA-7B. {@link #random} draws it well
         * under 1% of that, so there Fill hardly matters.
         */
        static Roofline randomWithHeavyPrefill(java.util.SplittableRandom random) {
            Roofline light = random(random);
            return new Roofline(
                    light.draftPerToken,
                    light.draftFloor,
                    light.verifyPerToken,
                    light.verifyFloor,
                    light.transferPerDraft,
                    random.nextDouble(1e-5, 1e-3));
        }

        @Override
        public double draftRound(BatchShape batch, int l) {
            return l * Math.max(batch.size() * draftPerToken * batch.meanContext(), draftFloor);
        }

        @Override
        public double verifyRound(BatchShape batch, int l) {
            double compute =
                    batch.size() * verifyPerToken * (l + 1) * (1 + batch.meanContext() / 512);
            return Math.max(compute, verifyFloor) + batch.size() * l * transferPerDraft;
        }

        @Override
        public double draftPrefill(BatchShape batch) {
            return batch.size() * batch.maxInputTokens() * prefillPerToken / 20;
        }

        @Override
        public double verifyPrefill(BatchShape batch, int l) {
            return batch.size() * (batch.maxInputTokens() + l) * prefillPerToken;
        }

        @Override
        public double targetStep(BatchShape batch) {
            return verifyRound(batch, 0);
        }

        @Override
        public double targetPrefill(BatchShape batch) {
            return verifyPrefill(batch, 0);
        }
    }

    /** Every round yields one token whatever l is, so all speculation lengths run O rounds. */
    static Acceptance oneTokenPerRound() {
        return l -> 1;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
