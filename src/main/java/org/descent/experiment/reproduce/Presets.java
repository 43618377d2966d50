package org.descent.experiment.reproduce;

import java.util.List;
import java.util.stream.Collectors;

/** The registry of reproductions. */
public final class Presets {
    private Presets() {}

    public static List<Preset> all() {
        return List.of(new VonOswaldSingleLayer(), new VonOswaldMultiLayer(), new AhnPreconditioned(),
                new MahankaliNonlinear(), new GargCurves(), new GatmiryLooped(), new FuNewtonVsGd(),
                new ShenClassification(), new DaiDualForm(), new ZhengMesa(),
                new YangLooped());
    }

    /** The preset called {@code name}; a clear error listing the known ones otherwise. */
    public static Preset named(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown preset \"" + name + "\"; known: "
                        + all().stream().map(Preset::name).collect(Collectors.joining(", "))));
    }
}
