package org.descent.task;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Number formatting for one-line error messages: six significant digits, no trailing zeros ("-0.3", "1e-12"). */
final class Numbers {
    private Numbers() {}

    static String format(double v) {
        if (!Double.isFinite(v) || v == 0) {
            return v == 0 ? "0" : Double.toString(v);
        }
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e7) {
            return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
        }
        String s = String.format(Locale.ROOT, "%.5e", v); // d.ddddde±xx
        String mantissa = s.substring(0, s.indexOf('e')).replaceAll("\\.?0+$", "");
        int exponent = Integer.parseInt(s.substring(s.indexOf('e') + 1));
        return mantissa + "e" + exponent;
    }
}
