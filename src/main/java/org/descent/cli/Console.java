package org.descent.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.descent.compare.OneStepGdComparison;
import org.descent.report.Report;

/** Plain-text output shared by the commands. */
final class Console {
    private Console() {}

    static void verdict(PrintWriter out, OneStepGdComparison.Result result, java.util.Map<String, Object> m) {
        out.println();
        out.printf(Locale.ROOT, "%-44s %12s %-26s %-26s %s%n", "check", "measured", "95% interval (prompts)",
                "required", "result");
        for (OneStepGdComparison.Check c : result.checks()) {
            out.printf(Locale.ROOT, "%-44s %12s %-26s %-26s %s%n", c.criterion(), Report.num(c.value()),
                    "[" + Report.num(c.lower()) + ", " + Report.num(c.upper()) + "]", c.requirement(),
                    c.outcome().label());
        }
        out.println();
        for (List<String> row : List.of(
                List.of("eta_star", "mse.trained", "mse.gd", "mse.ols", "mse.zero"),
                List.of("preds_diff", "model_diff", "model_cos", "interpolation_mse", "gamma_eff_scalar"))) {
            StringBuilder sb = new StringBuilder();
            for (String k : row) {
                Object v = m.get(k);
                sb.append(String.format(Locale.ROOT, "%s=%s  ", k, v instanceof Double dv ? Report.num(dv) : v));
            }
            out.println(sb.toString().trim());
        }
        out.println();
        String v = switch (result.verdict()) {
            case "consistent" -> "CONSISTENT with";
            case "inconsistent" -> "NOT CONSISTENT with";
            default -> "INCONCLUSIVE about";
        };
        out.println("verdict: " + v + " one step of gradient descent (von Oswald et al. 2023)");
        out.println("scope: " + OneStepGdComparison.SCOPE);
    }
}
