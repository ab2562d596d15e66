package dev.condense.spark.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small inline SVG charts for {@code report.html}: bars, lines and labelled points, drawn from numbers alone so that
 * the report opens in a browser with no network and no script.
 */
final class Svg {

    private static final int WIDTH = 760;
    private static final int HEIGHT = 280;
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 28;
    private static final int BOTTOM = 64;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private Svg() {
    }

    /** One bar per label, with the y axis from 0 to {@code max}. */
    static String bars(String title, List<String> labels, List<Double> values, double max, String yLabel) {
        StringBuilder out = open(title, yLabel);
        double plotW = WIDTH - LEFT - RIGHT;
        double step = plotW / Math.max(1, labels.size());
        axes(out, 0, max, false);
        for (int i = 0; i < labels.size(); i++) {
            double h = (HEIGHT - TOP - BOTTOM) * Math.min(1, values.get(i) / max);
            double x = LEFT + i * step;
            out.append(f("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s: %s</title></rect>",
                    x + step * 0.1, HEIGHT - BOTTOM - h, step * 0.8, h, COLOURS[0], esc(labels.get(i)),
                    num(values.get(i))));
            out.append(f("<text x='%.1f' y='%d' font-size='8' transform='rotate(60 %.1f %d)'>%s</text>",
                    x + step * 0.3, HEIGHT - BOTTOM + 10, x + step * 0.3, HEIGHT - BOTTOM + 10, esc(labels.get(i))));
        }
        return out.append("</svg>").toString();
    }

    /** One polyline per series against its index (round, or singular value number), optionally on a log y axis. */
    static String lines(String title, Map<String, List<Double>> series, boolean logY, String xLabel, String yLabel) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        int n = 1;
        double largest = 0;
        for (List<Double> s : series.values()) {
            for (double v : s) {
                largest = Math.max(largest, v);
            }
        }
        // on a log axis, values below 1e-4 of the largest (zeros, mostly) are drawn at that floor
        double floor = logY ? Math.max(largest * 1e-4, 1e-12) : 0;
        for (List<Double> s : series.values()) {
            n = Math.max(n, s.size());
            for (double v : s) {
                double y = logY ? Math.log10(Math.max(v, floor)) : v;
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
        }
        if (!logY) {
            lo = Math.min(lo, 0);
        }
        if (hi <= lo) {
            hi = lo + 1;
        }
        StringBuilder out = open(title, yLabel + (logY ? " (log scale)" : ""));
        axes(out, lo, hi, logY);
        out.append(f("<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>", LEFT + (WIDTH - LEFT
                - RIGHT) / 2, HEIGHT - 8, esc(xLabel)));
        int c = 0;
        for (Map.Entry<String, List<Double>> s : series.entrySet()) {
            StringBuilder points = new StringBuilder();
            List<Double> v = s.getValue();
            for (int i = 0; i < v.size(); i++) {
                double y = logY ? Math.log10(Math.max(v.get(i), floor)) : v.get(i);
                points.append(f("%.1f,%.1f ", x(i, n), y(y, lo, hi)));
            }
            String colour = COLOURS[c % COLOURS.length];
            out.append(f("<polyline fill='none' stroke='%s' stroke-width='1.5' points='%s'/>", colour,
                    points.toString().trim()));
            out.append(f("<text x='%d' y='%d' font-size='11' fill='%s'>%s</text>", WIDTH - RIGHT - 200, TOP + 14
                    + 14 * c, colour, esc(s.getKey())));
            c++;
        }
        return out.append("</svg>").toString();
    }

    /** Labelled points (x, y), both axes linear from 0 (x) and from the smallest y. */
    static String points(String title, Map<String, double[]> points, String xLabel, String yLabel) {
        double maxX = 0;
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (double[] p : points.values()) {
            maxX = Math.max(maxX, p[0]);
            lo = Math.min(lo, p[1]);
            hi = Math.max(hi, p[1]);
        }
        lo = Math.floor(lo * 20 - 1) / 20;
        hi = Math.ceil(hi * 20 + 1) / 20;
        StringBuilder out = open(title, yLabel);
        axes(out, lo, hi, false);
        out.append(f("<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>", LEFT + (WIDTH - LEFT
                - RIGHT) / 2, HEIGHT - 8, esc(xLabel)));
        for (int i = 0; i <= 4; i++) {
            double tx = LEFT + (WIDTH - LEFT - RIGHT) * i / 4.0;
            out.append(f("<text x='%.1f' y='%d' font-size='10' text-anchor='%s'>%s</text>", tx,
                    HEIGHT - BOTTOM + 14, i == 4 ? "end" : "middle", num(maxX * i / 4)));
        }
        int c = 0;
        List<double[]> placed = new ArrayList<>();
        for (Map.Entry<String, double[]> p : points.entrySet()) {
            double px = LEFT + (WIDTH - LEFT - RIGHT) * p.getValue()[0] / Math.max(maxX, 1e-12);
            double py = y(p.getValue()[1], lo, hi);
            String colour = COLOURS[c++ % COLOURS.length];
            out.append(f("<circle cx='%.1f' cy='%.1f' r='5' fill='%s'/>", px, py, colour));
            // labels of points that (nearly) coincide are stacked instead of drawn over each other
            double lx = Math.min(px + 8, WIDTH - 150.0);
            double ly = py - 8;
            for (double[] q : placed) {
                if (Math.abs(q[0] - lx) < 120 && Math.abs(q[1] - ly) < 12) {
                    ly = q[1] - 13;
                }
            }
            placed.add(new double[] {lx, ly});
            out.append(f("<text x='%.1f' y='%.1f' font-size='11' fill='%s'>%s</text>", lx, ly, colour,
                    esc(p.getKey())));
        }
        return out.append("</svg>").toString();
    }

    private static StringBuilder open(String title, String yLabel) {
        StringBuilder out = new StringBuilder(f("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "font-family='sans-serif'>", WIDTH, HEIGHT));
        out.append(f("<text x='%d' y='16' font-size='13' font-weight='bold'>%s</text>", LEFT, esc(title)));
        out.append(f("<text x='12' y='%d' font-size='11' transform='rotate(-90 12 %d)' text-anchor='middle'>%s"
                + "</text>", (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2, esc(yLabel)));
        return out;
    }

    private static void axes(StringBuilder out, double lo, double hi, boolean log) {
        out.append(f("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>", LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT,
                HEIGHT - BOTTOM));
        out.append(f("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>", LEFT, TOP, LEFT, HEIGHT - BOTTOM));
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            double yy = y(v, lo, hi);
            out.append(f("<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>", LEFT, yy, WIDTH - RIGHT, yy));
            out.append(f("<text x='%d' y='%.1f' font-size='10' text-anchor='end'>%s</text>", LEFT - 4, yy + 3,
                    num(log ? Math.pow(10, v) : v)));
        }
    }

    private static double x(int i, int n) {
        return LEFT + (WIDTH - LEFT - RIGHT) * (n <= 1 ? 0.5 : (double) i / (n - 1));
    }

    private static double y(double v, double lo, double hi) {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (v - lo) / (hi - lo);
    }

    static String num(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.3g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
