package org.descent.experiment.reproduce;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.descent.report.Report;

/**
 * What a preset measured.
 *
 * @param headlines the numbers that decide the verdict (and context numbers)
 * @param metrics everything else worth keeping, for metrics.json
 * @param details writes the preset's own report sections (tables, figures)
 * @param configs the experiment configs used, for the manifest
 */
public record PresetResult(List<Headline> headlines, Map<String, Object> metrics, Consumer<Report> details,
        Map<String, Object> configs) {

    /** The overall verdict: the conjunction of every headline that tests something. */
    public Verdict verdict() {
        return Verdict.all(headlines.stream().filter(h -> h.verdict() != null).map(Headline::verdict).toList());
    }
}
