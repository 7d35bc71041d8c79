package io.tandem.cli.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** One PNG line chart: a y value per x for each named series, e.g. one per serving scheme. */
public final class LinePlot {

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double[] x;
    private final Map<String, double[]> series = new LinkedHashMap<>();
    private boolean logX;

    public LinePlot(String title, String xLabel, String yLabel, double[] x) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.x = x.clone();
    }

    public LinePlot logX() {
        this.logX = true;
        return this;
    }

    public LinePlot series(String name, double[] y) {
        if (y.length != x.length) {
            throw new IllegalArgumentException(
                    name + ": " + y.length + " values for " + x.length + " x positions");
        }
        series.put(name, y.clone());
        return this;
    }

    public void write(Path file) throws IOException {
        XYChart chart = Charts.xy(title, xLabel, yLabel);
        chart.getStyler().setXAxisLogarithmic(logX);
        for (Map.Entry<String, double[]> entry : series.entrySet()) {
            chart.addSeries(entry.getKey(), x, entry.getValue()).setMarker(SeriesMarkers.CIRCLE);
        }
        Charts.writePng(chart, file);
    }
}
