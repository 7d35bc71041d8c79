package io.tandem.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and TERM taken by a command instead of starting the JVM's shutdown, so that the command
 * stops its parts in order first. Shutdown hooks all run at once: the embedded broker's own deletes
 * its log directories under the still-running broker, which can then halt the JVM, and a report's
 * plots need AWT, which cannot start once shutdown has begun. The first signal runs the command's
 * stop; a second quits at once. Closing gives the signals back to the JVM.
 */
public final class StopSignals implements AutoCloseable {

    private final Signal interrupt = new Signal("INT");
    private final Signal terminate = new Signal("TERM");
    private final SignalHandler previousInterrupt;
    private final SignalHandler previousTerminate;

    private StopSignals(int haltStatus, Runnable stop) {
        AtomicBoolean received = new AtomicBoolean();
        SignalHandler handler =
                signal -> {
                    if (received.getAndSet(true)) {
                        Runtime.getRuntime().halt(haltStatus);
                    }
                    stop.run();
                };
        previousInterrupt = Signal.handle(interrupt, handler);
        previousTerminate = Signal.handle(terminate, handler);
    }

    /**
     * Runs {@code stop} on the first Ctrl-C or TERM, on the JVM's signal thread; halts with {@code
     * haltStatus} on the second.
     */
    public static StopSignals install(int haltStatus, Runnable stop) {
        return new StopSignals(haltStatus, stop);
    }

    @Override
    public void close() {
        Signal.handle(interrupt, previousInterrupt);
        Signal.handle(terminate, previousTerminate);
    }
}
