package io.tandem.cli.plot;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/** The tools' charts share one size and look, and are written as PNG. */
public final class Charts {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    private Charts() {}

    public static XYChart xy(String title, String xTitle, String yTitle) {
        return styled(new XYChart(WIDTH, HEIGHT), title, xTitle, yTitle);
    }

    public static CategoryChart category(String title, String xTitle, String yTitle) {
        return styled(new CategoryChart(WIDTH, HEIGHT), title, xTitle, yTitle);
    }

    /** Writes {@code chart} to {@code file} as PNG, creating its directory if needed. */
    public static void writePng(Chart<?, ?> chart, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static <C extends Chart<? extends AxesChartStyler, ?>> C styled(
            C chart, String title, String xTitle, String yTitle) {
        chart.setTitle(title);
        chart.setXAxisTitle(xTitle);
        chart.setYAxisTitle(yTitle);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        return chart;
    }
}
