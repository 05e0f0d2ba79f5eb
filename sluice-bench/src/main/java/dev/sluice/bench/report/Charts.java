package dev.sluice.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts with JFreeChart: lines over callers, and grouped bars. */
final class Charts {

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd),
    new Color(0x8c564b), new Color(0x7f7f7f), new Color(0x17becf), new Color(0xbcbd22),
        new Color(0xe377c2)
  };

  private Charts() {}

  /**
   * One line per series over x values, both axes logarithmic.
   *
   * @param file the PNG
   * @param title the title
   * @param xLabel the x axis
   * @param yLabel the y axis
   * @param series name to (x, y) points, in legend order
   */
  static void lines(
      Path file, String title, String xLabel, String yLabel, Map<String, List<double[]>> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    series.forEach(
        (name, points) -> {
          XYSeries s = new XYSeries(name);
          points.stream().filter(p -> p[1] > 0).forEach(p -> s.add(p[0], p[1]));
          data.addSeries(s);
        });
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    LogAxis x = new LogAxis(xLabel);
    x.setBase(2);
    x.setTickUnit(new NumberTickUnit(2));
    x.setNumberFormatOverride(new DecimalFormat("0"));
    plot.setDomainAxis(x);
    plot.setRangeAxis(
        decades(yLabel, data.getRangeLowerBound(false), data.getRangeUpperBound(false)));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2.2f));
    }
    plot.setRenderer(renderer);
    style(chart);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    save(file, chart, 1000, 560);
  }

  /**
   * Grouped bars: one group per category, one bar per series.
   *
   * @param file the PNG
   * @param title the title
   * @param yLabel the value axis
   * @param data series to category to value, in order
   * @param log whether the value axis is logarithmic
   */
  static void bars(
      Path file, String title, String yLabel, Map<String, Map<String, Double>> data, boolean log) {
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    data.forEach(
        (series, values) ->
            values.forEach(
                (category, value) -> {
                  if (value != null && !value.isNaN() && (!log || value > 0)) {
                    dataset.addValue(value, series, category);
                  }
                }));
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, null, yLabel, dataset, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    if (log) {
      double min = Double.MAX_VALUE;
      double max = 0;
      for (int r = 0; r < dataset.getRowCount(); r++) {
        for (int c = 0; c < dataset.getColumnCount(); c++) {
          Number v = dataset.getValue(r, c);
          if (v != null) {
            min = Math.min(min, v.doubleValue());
            max = Math.max(max, v.doubleValue());
          }
        }
      }
      plot.setRangeAxis(decades(yLabel, min, max));
      ((BarRenderer) plot.getRenderer()).setBase(Math.pow(10, Math.floor(Math.log10(min))));
    } else {
      ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("#,##0.#"));
    }
    CategoryAxis x = plot.getDomainAxis();
    if (dataset.getColumnCount() > 5) {
      x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.05);
    for (int i = 0; i < dataset.getRowCount(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    style(chart);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    save(file, chart, 1000, 560);
  }

  /** A log axis with a labelled tick at each power of ten and minor ticks between. */
  private static LogAxis decades(String label, double min, double max) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(10);
    axis.setTickUnit(new NumberTickUnit(1));
    axis.setMinorTickCount(9);
    axis.setMinorTickMarksVisible(true);
    axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    if (min > 0 && max > 0 && max < Double.MAX_VALUE) {
      axis.setRange(
          Math.pow(10, Math.floor(Math.log10(min))),
          Math.pow(10, Math.ceil(Math.log10(max * 1.05))));
    }
    return axis;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    if (chart.getLegend() != null) {
      chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    }
  }

  private static void save(Path file, JFreeChart chart, int width, int height) {
    try {
      Files.createDirectories(file.getParent());
      ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
