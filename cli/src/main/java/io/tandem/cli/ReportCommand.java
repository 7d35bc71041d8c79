package io.tandem.cli;

import com.google.gson.JsonObject;
import io.tandem.cli.replay.ReportComparison;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Compares two replay reports side by side. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description =
                "Compare two replay reports (directories written by replay --report) side by"
                        + " side, with B/A ratios.")
public final class ReportCommand implements Callable<Integer> {

    @Option(
            names = "--compare",
            required = true,
            arity = "2",
            paramLabel = "REPORT",
            description = "Report A, then report B: a directory or its summary.json.")
    List<Path> compare;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description = "Also write the comparison as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        JsonObject a = ReportComparison.read(compare.get(0));
        JsonObject b = ReportComparison.read(compare.get(1));
        ReportComparison comparison =
                new ReportComparison(ReportComparison.label(a), a, ReportComparison.label(b), b);
        comparison.print(System.out);
        if (json != null) {
            comparison.write(json);
            System.out.println("Wrote " + json);
        }
        return 0;
    }
}
