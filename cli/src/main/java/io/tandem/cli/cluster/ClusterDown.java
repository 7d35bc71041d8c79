package io.tandem.cli.cluster;

import io.tandem.local.StandaloneCluster;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ./tandem cluster down}. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        description =
                "Stop exactly the processes `cluster up` started in the run directory; the logs"
                        + " stay.")
final class ClusterDown implements Callable<Integer> {

    @Mixin RunDirectoryOption run;

    @Override
    public Integer call() throws Exception {
        List<RunDirectory.Process> processes = RunDirectory.processes(RunDirectory.read(run.dir));
        // TaskManagers first, then the JobManager and the broker: no job restarts meanwhile on a
        // TaskManager that is still up, and no TaskManager loses its JobManager while it stops
        int stopped =
                StandaloneCluster.stop(handles(processes, true))
                        + StandaloneCluster.stop(handles(processes, false));
        Files.delete(RunDirectory.file(run.dir));
        System.out.printf(
                "Stopped %d of %d processes (%d had already exited); logs stay in %s%n",
                stopped, processes.size(), processes.size() - stopped, run.dir);
        return 0;
    }

    private static List<ProcessHandle> handles(
            List<RunDirectory.Process> processes, boolean taskManagers) {
        return processes.stream()
                .filter(p -> p.role().endsWith("taskmanager") == taskManagers)
                .map(RunDirectory.Process::handle)
                .flatMap(Optional::stream)
                .toList();
    }
}
