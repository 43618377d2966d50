package org.descent.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * A report figure: something that paints itself on a {@link Graphics2D} of a fixed size in pixels, rendered both
 * as a PNG (at {@value #PNG_SCALE}× resolution, sharp on high-density screens; the HTML shows it at
 * {@link #width()} pixels) and as an SVG (vector, through VectorGraphics2D, the vector backend XChart uses).
 */
public final class Figure {
    /** Pixel density of the PNG rendering relative to {@link #width()}. */
    public static final int PNG_SCALE = 2;

    private final int width;
    private final int height;
    private final Consumer<Graphics2D> painter;
    private byte[] png;

    /**
     * @param width width in CSS pixels
     * @param height height in CSS pixels
     * @param painter paints the figure on a graphics context whose user space is {@code width × height}
     */
    public Figure(int width, int height, Consumer<Graphics2D> painter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("figure size must be positive, got " + width + " × " + height);
        }
        this.width = width;
        this.height = height;
        this.painter = painter;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The PNG bytes (rendered once). */
    public synchronized byte[] png() {
        if (png == null) {
            BufferedImage img = new BufferedImage(width * PNG_SCALE, height * PNG_SCALE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, img.getWidth(), img.getHeight());
                g.scale(PNG_SCALE, PNG_SCALE);
                painter.accept(g);
            } finally {
                g.dispose();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                ImageIO.write(img, "png", out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot encode figure as PNG: " + e.getMessage(), e);
            }
            png = out.toByteArray();
        }
        return png.clone();
    }

    /** The SVG document (UTF-8 XML). */
    public byte[] svg() {
        VectorGraphics2D g = new VectorGraphics2D();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        painter.accept(g);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width, height)).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode figure as SVG: " + e.getMessage(), e);
        }
        // VectorGraphics2D names the physical font (DejaVu Sans); a browser without it would fall back to a serif
        String svg = out.toString(java.nio.charset.StandardCharsets.UTF_8).replaceAll(
                "font-family:(&quot;[^;\"]*?&quot;);", "font-family:$1,sans-serif;");
        return svg.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
