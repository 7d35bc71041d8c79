package io.tandem.cli.plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * One PNG line chart: a y value per x for each named series, e.g. one per serving scheme; a series
 * may have a dashed companion in its colour, e.g. its p99 beside its p50.
 */
public final class LinePlot {

    private record Line(double[] y, boolean companion) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double[] x;
    private final Map<String, Line> series = new LinkedHashMap<>();
    private boolean logX;
    private String xPattern;

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

    /** Labels the x axis with {@code pattern} (a DecimalFormat pattern, e.g. {@code #0.0#}). */
    public LinePlot xPattern(String pattern) {
        this.xPattern = pattern;
        return this;
    }

    public LinePlot series(String name, double[] y) {
        return add(name, y, false);
    }

    /** A dashed series in the colour of the series added before it. */
    public LinePlot companion(String name, double[] y) {
        if (series.isEmpty()) {
            throw new IllegalStateException(name + ": a companion needs a series before it");
        }
        return add(name, y, true);
    }

    private LinePlot add(String name, double[] y, boolean companion) {
        if (y.length != x.length) {
            throw new IllegalArgumentException(
                    name + ": " + y.length + " values for " + x.length + " x positions");
        }
        series.put(name, new Line(y.clone(), companion));
        return this;
    }

    public void write(Path file) throws IOException {
        XYChart chart = Charts.xy(title, xLabel, yLabel);
        chart.getStyler().setXAxisLogarithmic(logX);
        if (xPattern != null) {
            chart.getStyler().setXAxisDecimalPattern(xPattern);
        }
        // the theme's colours in the order it would give them, one per series but companions
        Color[] colours = chart.getStyler().getSeriesColors();
        int colour = -1;
        for (Map.Entry<String, Line> entry : series.entrySet()) {
            Line line = entry.getValue();
            XYSeries added = chart.addSeries(entry.getKey(), x, line.y());
            added.setMarker(SeriesMarkers.CIRCLE);
            if (!line.companion()) {
                colour++;
            } else {
                added.setLineStyle(SeriesLines.DASH_DASH);
            }
            added.setLineColor(colours[colour % colours.length]);
            added.setMarkerColor(colours[colour % colours.length]);
        }
        Charts.writePng(chart, file);
    }
}
