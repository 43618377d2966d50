package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.experiment.reproduce.Preset;
import org.descent.experiment.reproduce.Presets;
import org.descent.sweep.Cell;
import org.descent.sweep.SweepSpec;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;

/** A reproduce sweep plans each cell with its preset's own stated seconds per seed, for every registered preset. */
class SweepEstimateTest {

    @Test
    void everyPresetStatesItsBudgetAndReproduceCellsUseIt() throws Exception {
        for (Preset p : Presets.all()) {
            assertTrue(p.secondsPerSeed() > 0, p.name() + " states a positive budget");
            SweepSpec spec = SweepSpec.parse(Json.mapper().readTree("{\"command\": \"reproduce\", \"args\": [\""
                    + p.name() + "\"], \"seeds\": 2}"), "t");
            for (Cell c : spec.cells()) {
                assertEquals(SweepCommand.CELL_STARTUP_SECONDS + p.secondsPerSeed(),
                        SweepCommand.estimateSeconds(spec, c), 1e-9, p.name() + ", cell " + c.index());
            }
        }
    }
}
