package io.tandem.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.Random;

/** Ports for the processes of a {@link StandaloneCluster} and its broker. */
final class LoopbackPorts {

    private static final int FIRST_PORT = 20_000;
    private static final int PORT_COUNT = 12_000;
    private static final Random PORTS = new SecureRandom();

    private LoopbackPorts() {}

    /**
     * A port no process listens on, below Linux's ephemeral range (32768 and up): a port the kernel
     * hands out is one it may give again, to an outgoing connection, before the process we start
     * binds it (CI once saw a JobManager fail so on its REST port).
     */
    static int free() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = FIRST_PORT + PORTS.nextInt(PORT_COUNT);
            try (ServerSocket socket =
                    new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException(
                "no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_COUNT - 1));
    }
}
