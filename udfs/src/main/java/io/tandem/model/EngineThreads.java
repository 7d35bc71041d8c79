package io.tandem.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The PyTorch engine's intra-op threads: how many cores one model call may use. The count belongs
 * to the thread that makes the calls (OpenMP's and MKL's settings are per thread); a thread that
 * has not yet made one starts with the process's ({@code -Dai.djl.pytorch.num_threads=N}). The
 * right count depends on the work: a batch of one is too small to split (on the bundled pair a
 * second thread does not help it), a big batch's matrix products split well, and workers that share
 * a machine should not each take every core.
 */
public final class EngineThreads {

    private EngineThreads() {}

    /** The calling thread's count; loads the engine if no model has. */
    public static int current() {
        Engine.getEngine(CausalLm.ENGINE);
        return JniUtils.getNumThreads();
    }

    /** Makes the calling thread's model calls from now on use {@code threads} threads. */
    public static void use(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Engine.getEngine(CausalLm.ENGINE);
        JniUtils.setNumThreads(threads);
    }
}
