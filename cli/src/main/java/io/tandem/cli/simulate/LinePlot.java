package io.tandem.cli.simulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** One PNG line chart: a y value per x for each named series (one per serving scheme). */
final class LinePlot {

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double[] x;
    private final Map<String, double[]> series = new LinkedHashMap<>();
    private boolean logX;

    LinePlot(String title, String xLabel, String yLabel, double[] x) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.x = x.clone();
    }

    LinePlot logX() {
        this.logX = true;
        return this;
    }

    LinePlot series(String name, double[] y) {
        if (y.length != x.length) {
            throw new IllegalArgumentException(
                    name + ": " + y.length + " values for " + x.length + " x positions");
        }
        series.put(name, y.clone());
        return this;
    }

    void write(Path file) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(560)
                        .title(title)
                        .xAxisTitle(xLabel)
                        .yAxisTitle(yLabel)
                        .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Map.Entry<String, double[]> entry : series.entrySet()) {
            chart.addSeries(entry.getKey(), x, entry.getValue()).setMarker(SeriesMarkers.CIRCLE);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
