package org.descent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Point;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Heat maps: one scale means one colour per value across maps, a colour bar that matches, readable cell text. */
class HeatMapTest {
    /** Largest channel difference between a colour bar row and the cell of the same value (rows are 1 px apart). */
    static final int BAR_TOLERANCE = 3;

    static BufferedImage render(HeatMap h) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(h.figure().png()));
    }

    /** The colour of cell (i, j) away from its printed value: near its top-left corner. */
    static Color cellColour(BufferedImage img, HeatMap h, int i, int j) {
        Rectangle r = h.cellBounds(i, j);
        return new Color(img.getRGB((r.x + 3) * Figure.PNG_SCALE, (r.y + 3) * Figure.PNG_SCALE));
    }

    static Color barColour(BufferedImage img, HeatMap h, double v) {
        Point p = h.barPoint(v);
        return new Color(img.getRGB(p.x * Figure.PNG_SCALE, p.y * Figure.PNG_SCALE + 1));
    }

    static int distance(Color a, Color b) {
        return Math.max(Math.abs(a.getRed() - b.getRed()), Math.max(Math.abs(a.getGreen() - b.getGreen()),
                Math.abs(a.getBlue() - b.getBlue())));
    }

    @Test
    void oneSharedScaleGivesTheSameColourToTheSameValue() throws Exception {
        double[][] a = {{0.5, 0}, {0, 1}};
        double[][] b = {{2, 0}, {0, 0.5}};
        HeatMap.Scale shared = HeatMap.Scale.symmetric(a, b);
        assertEquals(-2, shared.min());
        assertEquals(2, shared.max());
        HeatMap ha = new HeatMap("A", a, shared);
        HeatMap hb = new HeatMap("B", b, shared);
        BufferedImage ia = render(ha);
        BufferedImage ib = render(hb);
        assertEquals(cellColour(ia, ha, 0, 0), cellColour(ib, hb, 1, 1), "0.5 in both maps");
        assertEquals(shared.colour(0.5), cellColour(ia, ha, 0, 0));
        assertEquals(cellColour(ia, ha, 0, 1), cellColour(ib, hb, 0, 1), "0 in both maps");

        // each on its own scale, the same value gets different colours: why compared maps need one scale
        HeatMap ownA = new HeatMap("A", a, null);
        HeatMap ownB = new HeatMap("B", b, null);
        assertNotEquals(cellColour(render(ownA), ownA, 0, 0), cellColour(render(ownB), ownB, 1, 1));
    }

    @Test
    void theColourBarShowsTheCellColours() throws Exception {
        double[][] m = {{-1.5, 0.25}, {0.9, 2}};
        HeatMap h = new HeatMap("bar", m, HeatMap.Scale.symmetric(m));
        BufferedImage img = render(h);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                Color cell = cellColour(img, h, i, j);
                Color bar = barColour(img, h, m[i][j]);
                assertTrue(distance(cell, bar) <= BAR_TOLERANCE, "value " + m[i][j] + ": cell " + cell + ", bar "
                        + bar);
            }
        }
        assertTrue(h.width() * Figure.PNG_SCALE == img.getWidth() && h.barPoint(0).x > h.cellBounds(0, 1).x
                + h.cellBounds(0, 1).width, "the bar is right of the matrix");
    }

    @Test
    void cellTextIsWhiteOnDarkCellsAndDarkOnLightOnes() throws Exception {
        HeatMap.Scale s = new HeatMap.Scale(-1, 1);
        assertEquals(Color.WHITE, HeatMap.textColour(s.colour(1)));
        assertEquals(Color.WHITE, HeatMap.textColour(s.colour(-1)));
        assertNotEquals(Color.WHITE, HeatMap.textColour(s.colour(0)));
        assertNotEquals(Color.WHITE, HeatMap.textColour(s.colour(0.3)));

        double[][] m = {{1, 0}, {0, -1}};
        HeatMap h = new HeatMap("text", m, s);
        BufferedImage img = render(h);
        // the printed value is the only thing in a cell that is not the cell's colour
        assertTrue(hasPixel(img, h.cellBounds(0, 0), c -> c.getRed() > 230 && c.getGreen() > 230
                && c.getBlue() > 230), "white text on the dark red cell");
        assertTrue(hasPixel(img, h.cellBounds(1, 1), c -> c.getRed() > 230 && c.getGreen() > 230
                && c.getBlue() > 230), "white text on the dark blue cell");
        assertTrue(hasPixel(img, h.cellBounds(0, 1), c -> c.getRed() < 80 && c.getGreen() < 80
                && c.getBlue() < 80), "dark text on the white cell");
    }

    @Test
    void axesAreLabelledAndNonFiniteCellsNoted() {
        HeatMap h = new HeatMap("Γ_fit", new double[][] {{1, Double.NaN}, {Double.POSITIVE_INFINITY, 0}}, null);
        String svg = new String(h.figure().svg(), StandardCharsets.UTF_8);
        for (String label : new String[] {"row i", "column j", "Γ_fit (2 NaN/Inf cells, grey)"}) {
            assertTrue(svg.contains(label), label + " in the SVG");
        }
        assertEquals(1.0, HeatMap.Scale.symmetric(new double[][] {{Double.NaN, -1}}).max());
        assertThrows(IllegalArgumentException.class, () -> new HeatMap.Scale(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new HeatMap("ragged", new double[][] {{1, 2}, {3}}, null));
    }

    static boolean hasPixel(BufferedImage img, Rectangle r, java.util.function.Predicate<Color> p) {
        for (int y = r.y * Figure.PNG_SCALE + 2; y < (r.y + r.height) * Figure.PNG_SCALE - 2; y++) {
            for (int x = r.x * Figure.PNG_SCALE + 2; x < (r.x + r.width) * Figure.PNG_SCALE - 2; x++) {
                if (p.test(new Color(img.getRGB(x, y)))) {
                    return true;
                }
            }
        }
        return false;
    }
}
